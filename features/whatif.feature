Feature: What if the evidence were read differently?
  A reviewer's first question about a placement is what it would take to move it: a record left
  out, a judgment made the other way, a contested reading of a sentence, another threshold.
  `tip-assess whatif` answers it beside the placement as it stands, and never edits the dossier.
  The toy statute (tests/fixtures/whatif) is small enough to check every answer by hand.

  Scenario: Peru 2007 does not rest on its domestic-violence shelters
    Given the evidence dossier for Peru 2007
    When the record "shelters-domestic-violence" is removed
    Then the placement stays "Tier 2"

  Scenario: With nothing changed, nothing moves
    Given the evidence dossier for Peru 2007
    When nothing is changed
    Then the placement stays "Tier 2"
    And no finding flips

  Scenario: Judging complicity widespread moves Ruritania to Tier 3
    Given the toy dossier for Ruritania 2007
    When the judgment "j-complicity" records "extent" as "widespread"
    Then the placement moves from "Tier 2" to "Tier 3"
    And the finding "complicity" flips because of "j-complicity"

  Scenario: The other reading of Ruritania's shelters would give Tier 1
    Given the toy dossier for Ruritania 2007
    When the record "general-shelters" is read the other way
    Then the placement moves from "Tier 2" to "Tier 1"

  Scenario: Without the record of a prison sentence, Ruritania falls to Tier 3
    Given the toy dossier for Ruritania 2007
    When the record "sentence-5y" is removed
    Then the placement moves from "Tier 2" to "Tier 3"
    And the finding "prosecution" flips because of "sentence-5y"

  Scenario: An incarceration threshold of 8 years moves Ruritania to Tier 3
    Given the toy dossier for Ruritania 2007
    When the parameter "incarceration_min_years" is 8
    Then the placement moves from "Tier 2" to "Tier 3"
    And the finding "prosecution" flips because of "incarceration_min_years"
