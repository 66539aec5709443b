@corpus
Feature: Lithuania in the 2001 Trafficking in Persons Report
  The 2001 report placed Lithuania on Tier 2: investigations but no prosecutions yet, limited
  funding for prevention and rehabilitation, and "reports of corruption among customs and border
  guards", which the analyst judges isolated.

  Background:
    Given the evidence dossier for Lithuania 2001

  Scenario: Investigations, some protection and prevention, isolated corruption: Tier 2
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 2"
    And the tier agrees with the official placement
    And the placement is "determined"
    And the finding "significant_efforts" is "making"
    And the explanation names "victim_number_significance" as pivotal

  Scenario: Unpunished complicity fails criterion 7 even when it is isolated
    When it is assessed under the rules for its own report year
    Then the finding "criterion_7" is "not_met"
    And the finding "criterion_1" is "partly_met"
