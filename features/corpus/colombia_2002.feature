@corpus
Feature: Colombia in the 2002 Trafficking in Persons Report
  The 2002 report placed Colombia on Tier 1, saying the government "meets the minimum standards"
  in law enforcement, protection and prevention. That sentence is the Department's conclusion and
  is not evidence. The facts the narrative gives (active investigations and some prosecutions,
  inadequate witness protection, limited services, one awareness campaign) weigh as substantial
  prosecution but partial protection and prevention: significant efforts, not full compliance; a
  stated exception (docs/calibration.md).

  Background:
    Given the evidence dossier for Colombia 2002

  Scenario: The facts do not reach Tier 1
    When it is assessed under the rules for its own report year
    Then the tier is not "Tier 1"
    And the finding "prosecution_effort" is "substantial"
    And the finding "protection_effort" is "partial"
    And the finding "prevention_effort" is "partial"
    And the finding "full_compliance" is "does_not_fully_comply"

  Scenario: The facts support Tier 2, and the exception is stated
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 2"
    And the official placement is a stated exception
    And the explanation of why not "Tier 1" names "prevention-effort"
