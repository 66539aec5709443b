@corpus
Feature: Angola in the 2001 Trafficking in Persons Report
  The 2001 report placed Angola on Tier 2. The narrative says nothing about prosecutions (in a
  complete narrative: no prosecution effort reported): the traffickers it names are rebel forces at
  war with the government, in territory the government does not control, and the government's
  efforts are care for the children freed from them. What
  is reasonable in light of a government's capabilities (TVPA 110(b)(3)(C)) is an analyst
  judgment, recorded as such (reasonable_measures).

  Background:
    Given the evidence dossier for Angola 2001

  Scenario: Care for freed children, where prosecution is beyond the government's reach: Tier 2
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 2"
    And the tier agrees with the official placement
    And the placement is "determined"
    And the finding "protection_effort" is "partial"
    And the explanation names "reasonable_measures" as pivotal

  Scenario: In a complete narrative, silence on prosecution is no prosecution effort reported
    When it is assessed under the rules for its own report year
    Then the finding "prosecution_effort" is "none_reported"
    And the finding "criterion_1" is "not_met"
    And the finding "criterion_2" is "partly_met"

  Scenario: A stated absence of a prevention campaign is not silence
    When it is assessed under the rules for its own report year
    Then the finding "criterion_3" is "not_met"
