@corpus
Feature: Peru in the 2007 Trafficking in Persons Report (corpus agreement)
  The complete 2007 narrative; the detailed behaviour is in features/peru_2007.feature.

  Scenario: Peru agrees with its official placement
    Given the evidence dossier for Peru 2007
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 2"
    And the tier agrees with the official placement
    And the placement is "determined"
    And the explanation names "significant_efforts" as pivotal
