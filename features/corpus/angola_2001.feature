@corpus
Feature: Angola in the 2001 Trafficking in Persons Report
  The 2001 report placed Angola on Tier 2. The narrative says nothing about prosecutions: the
  traffickers it names are rebel forces at war with the government, in territory the government
  does not control, and the government's efforts are care for the children freed from them. What
  is reasonable in light of a government's capabilities (TVPA 110(b)(3)(C)) is an analyst
  judgment, recorded as such (reasonable_measures).

  Background:
    Given the evidence dossier for Angola 2001

  Scenario: Care for freed children, where prosecution is beyond the government's reach: Tier 2
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 2"
    And the tier agrees with the official placement
    And the placement is "provisional"
    And the explanation names "reasonable_measures" as pivotal
    And the missing evidence includes "criterion_1", settled by "law_enforcement_count"

  Scenario: Silence on prosecution is not a finding that there was none
    When it is assessed under the rules for its own report year
    Then the finding "criterion_1" is "no_evidence"
    And the finding "criterion_2" is "partly_met"

  Scenario: A stated absence of a prevention campaign is not silence
    When it is assessed under the rules for its own report year
    Then the finding "criterion_3" is "not_met"
