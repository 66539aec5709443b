Feature: TVPRA 2017 and Frederick Douglass TVPRA 2018, from the 2019 report
  From the 2019 report a placement rests only on concrete actions recorded in the reporting
  period: commitments to future steps no longer support Tier 2 or the watch list. The victims
  criterion of the watch list reads "estimated" number of victims and asks whether the country
  takes proportional concrete actions. A government policy or pattern of trafficking, forced
  labour, sexual slavery or child soldiering is proof of failure to make significant efforts. After
  an automatic downgrade a country may return to the watch list for one year only. The data
  presumption asks for data consistent with a demonstrably increasing capacity.

  Scenario: From 2019 a placement cannot rest on commitments to future steps
    Given a country that makes efforts that fall just short of significant
    And it also offers commitments to take future steps
    When it is assessed under the rules for each report year from 2019 to 2025
    Then it is placed on Tier 3
    And the rule "watch-list.future-commitments" does not apply

  Scenario: Under the rules for report year 2018 commitments still lift borderline efforts to the watch list
    Given a country that makes efforts that fall just short of significant
    And it also offers commitments to take future steps
    When it is assessed under the rules for report year 2018
    Then it is placed on Tier 2 Watch List

  Scenario: From 2019 many victims lead to the watch list only if actions are not proportional
    Given a country that makes significant efforts that increase over the previous year
    And it also has a very significant number of victims
    And it also takes concrete actions judged proportional to that number
    When it is assessed under the rules for each report year from 2019 to 2025
    Then it is placed on Tier 2

  Scenario: From 2019 many victims and disproportionate actions lead to the watch list
    Given a country that makes significant efforts that increase over the previous year
    And it also has a very significant number of victims
    And it also takes concrete actions judged not proportional to that number
    When it is assessed under the rules for each report year from 2019 to 2025
    Then it is placed on Tier 2 Watch List
    And the rule "watch-list.victims.estimated" applies

  Scenario: From 2019 a government pattern of forced labour is proof of failure to make significant efforts
    Given a country that makes significant efforts that increase over the previous year
    And it also has a government pattern of forced labour in government-affiliated sectors
    When it is assessed under the rules for each report year from 2019 to 2025
    Then it is placed on Tier 3
    And the finding "significant_efforts" is "not_making"

  Scenario: Under the rules for report year 2018 the same pattern is weighed, not decisive
    Given a country that makes significant efforts that increase over the previous year
    And it also has a government pattern of forced labour in government-affiliated sectors
    When it is assessed under the rules for report year 2018
    Then it is placed on Tier 2

  Scenario: After an automatic downgrade a country may return to the watch list for one year only
    Given a country that makes significant efforts but shows no increase over the previous year
    And it was placed on Tier 3 in 2017 by the automatic downgrade
    And it was placed on Tier 2 Watch List in 2018
    When it is assessed under the rules for report year 2019
    Then it is placed on Tier 3
    And the rule "automatic-downgrade.after-earlier-downgrade" applies

  Scenario: The first year back on the watch list after a downgrade is allowed
    Given a country that makes significant efforts but shows no increase over the previous year
    And it was placed on Tier 3 in 2018 by the automatic downgrade
    When it is assessed under the rules for report year 2019
    Then it is placed on Tier 2 Watch List

  Scenario: The data presumption under the 2019 wording
    Given a country that provides no law-enforcement data but protects victims and informs the public
    When it is assessed under the rules for report year 2019
    Then the rule "criterion-1.data-presumption.increasing-capacity" applies
    And the finding "criterion_1" is "not_met"

  Scenario: From 2019 the budget a government devotes to its efforts is weighed
    Given a country that makes efforts that fall just short of significant
    And it also devotes sufficient budgetary resources to victim services
    When it is assessed under the rules for each report year from 2019 to 2025
    Then the finding "significant_efforts" is "making"

  Scenario: Before 2019 the budget was not among the statutory considerations
    Given a country that makes efforts that fall just short of significant
    And it also devotes sufficient budgetary resources to victim services
    When it is assessed under the rules for report year 2018
    Then the finding "significant_efforts" is "not_making"
