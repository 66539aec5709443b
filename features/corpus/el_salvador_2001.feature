@corpus
Feature: El Salvador in the 2001 Trafficking in Persons Report
  The 2001 report placed El Salvador on Tier 2, although "The Government has not prosecuted cases
  against traffickers": the law was new, and the government had created special units to
  investigate and prosecute trafficking.

  Background:
    Given the evidence dossier for El Salvador 2001

  Scenario: Special units under a new law are a prosecution effort without prosecutions: Tier 2
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 2"
    And the tier agrees with the official placement
    And the finding "criterion_1" is "partly_met"
    And the finding "criterion_2" is "partly_met"
    And the explanation names "victim_number_significance" as pivotal

  Scenario: Victims not treated as criminals count as protection
    When it is assessed under the rules for its own report year
    Then the finding "criterion_2" is "partly_met"
