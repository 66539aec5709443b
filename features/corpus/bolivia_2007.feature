@corpus @partial
Feature: Bolivia in the 2007 Trafficking in Persons Report (opening part only)
  Only the scope and assessment paragraphs and the first sentence and a half of the Prosecution
  section survive. The official placement is Tier 2. The assessment paragraph's summaries
  ("enhanced law enforcement actions, expanded victim protection services") are the Department's
  characterisations of the missing sections and are not evidence.

  Background:
    Given the evidence dossier for Bolivia 2007

  Scenario: Without the sections that hold the facts, no placement is derived
    When it is assessed under the rules for its own report year
    Then the placement is provisional or undetermined
    And the missing evidence includes "criterion_2", settled by "victim_shelter"
    And the missing evidence includes "criterion_3", settled by "prevention_education"

  Scenario: A missing prosecution section is not a failure to provide data
    When it is assessed under the rules for its own report year
    Then the finding "criterion_1" is "no_evidence"

  Scenario: The silence of the missing sections does not trigger the watch list
    When it is assessed under the rules for its own report year
    Then the finding "watch_list_trigger" is "undetermined"
    And the placement is "undetermined"
    And the missing evidence includes "criterion_1", settled by "law_enforcement_count"
