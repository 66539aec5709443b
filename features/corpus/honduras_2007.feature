@corpus @partial
Feature: Honduras in the 2007 Trafficking in Persons Report (opening part only)
  Only the scope paragraph and most of the assessment paragraph survive; the Prosecution,
  Protection and Prevention sections are missing. The official placement is Tier 2 Watch List.
  The engine must not pretend: it reports the placement as undetermined or provisional, names
  the criteria without evidence and the evidence that would settle them.

  Background:
    Given the evidence dossier for Honduras 2007

  Scenario: Without protection and prevention sections, no placement is derived
    When it is assessed under the rules for its own report year
    Then the placement is provisional or undetermined
    And the tier is not "Tier 2"
    And the missing evidence includes "criterion_2", settled by "victim_shelter"
    And the missing evidence includes "criterion_3", settled by "awareness_campaign"

  Scenario: The estimated 10,000 victims settle applicability
    When it is assessed under the rules for its own report year
    Then the finding "applicability" is "applies"

  Scenario: A missing prosecution section is not a failure to provide data
    When it is assessed under the rules for its own report year
    Then the finding "criterion_1" is "no_evidence"
    And the missing evidence includes "criterion_1", settled by "law_enforcement_count"

  Scenario: The surviving estimate of 10,000 victims is a watch list criterion in its own right
    When it is assessed under the rules for its own report year
    Then the finding "watch_list_trigger" is "triggered"
    And the finding "significant_efforts" is "undetermined"
