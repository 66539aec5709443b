@corpus
Feature: Costa Rica in the 2002 Trafficking in Persons Report
  The 2002 report placed Costa Rica on Tier 2: no law against all forms of trafficking, but
  prosecutions under related laws, a victims' office, information campaigns and a coordinating
  committee.

  Background:
    Given the evidence dossier for Costa Rica 2002

  Scenario: Prosecutions under related laws, limited protection, prevention: Tier 2
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 2"
    And the tier agrees with the official placement
    And the finding "significant_efforts" is "making"
    And the explanation names "victim_number_significance" as pivotal

  Scenario: Information campaigns and a coordinating committee meet criterion 3
    When it is assessed under the rules for its own report year
    Then the finding "criterion_3" is "met"
    And the finding "criterion_1" is "partly_met"
