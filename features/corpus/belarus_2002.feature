@corpus
Feature: Belarus in the 2002 Trafficking in Persons Report
  The 2002 report placed Belarus on Tier 3: "no trafficking cases have been prosecuted under the
  new criminal code", no specialised training, no protection programme and no prevention
  programmes. A statement that there were no prosecutions is evidence of absence, unlike a
  narrative that is silent.

  Background:
    Given the evidence dossier for Belarus 2002

  Scenario: No prosecutions at all and no capacity built: Tier 3
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 3"
    And the tier agrees with the official placement
    And the finding "criterion_1" is "not_met"
    And the finding "prosecution_effort" is "none_reported"
    And the finding "significant_efforts" is "not_making"
    And the explanation names "victim_number_significance" as pivotal
