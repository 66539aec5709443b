@corpus
Feature: Honduras in the 2002 Trafficking in Persons Report
  The 2002 report placed Honduras on Tier 2. Related laws exist; a new frontier police force was
  trained; law enforcement is weakened by corruption of unstated extent; the government assists
  repatriated nationals for six months. The placement sits on the line, and the complicity judgment
  is one of the items that would move it.

  Background:
    Given the evidence dossier for Honduras 2002

  Scenario: Assistance to returnees and a new police force, against unqualified corruption: Tier 2
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 2"
    And the tier agrees with the official placement
    And the finding "protection_effort" is "partial"
    And the explanation names "complicity_extent" as pivotal
