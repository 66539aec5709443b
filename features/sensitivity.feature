Feature: How fragile is a placement?
  A placement that one record, one judgment, one reading or one threshold would move is fragile,
  and the engine says so: `tip-assess sensitivity` tries every single change (and, on request,
  every pair), and `assess` lists the deciding ones under "Fragility".

  Scenario: Every change listed as deciding moves Peru's placement as listed
    Given the evidence dossier for Peru 2007
    When every single change is tried
    Then each change listed as deciding moves the placement to the placement listed
    And removing the record "shelters-domestic-violence" is not among the deciding changes

  Scenario: Ruritania's Tier 2 rests on its sentence, its convictions and a judgment
    Given the toy dossier for Ruritania 2007
    When every single change is tried
    Then the placement is fragile
    And the record "sentence-5y" decides the placement
    And the record "convictions" decides the placement
    And the judgment "j-complicity" decides the placement
    And the record "campaign" does not decide the placement

  Scenario: Elbonia's Tier 3 rests on no single item, only on two judgments together
    Given the toy dossier for Elbonia 2007
    When every pair of changes is tried
    Then the placement is robust
    And the judgments "j-victims" and "j-victims-flows" together decide the placement
