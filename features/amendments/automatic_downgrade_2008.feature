Feature: The automatic downgrade (TVPRA 2008), from the 2011 report
  A country on the special watch list for two consecutive years after December 23, 2008, that
  would be on it again is placed on Tier 3, unless the President waives the downgrade because the
  country has a written plan that would constitute significant efforts and devotes sufficient
  resources to it. Until the 2018 report a waiver could be granted for up to two years (the first
  forced downgrades came in 2013); from the 2019 report for one year only.

  Background:
    Given a country that makes significant efforts but shows no increase over the previous year

  Scenario: Under the rules for report year 2011, a country on the Tier 2 Watch List in 2009 and 2010 without a waiver is placed on Tier 3
    Given it was placed on Tier 2 Watch List in 2009 and 2010
    When it is assessed under the rules for report year 2011
    Then it is placed on Tier 3
    And the rule "placement.tier-3.automatic-downgrade" applies
    And the explanation cites the placement history

  Scenario: Under the rules for report year 2010 two years on the watch list do not yet count
    Given it was placed on Tier 2 Watch List in 2008 and 2009
    When it is assessed under the rules for report year 2010
    Then it is placed on Tier 2 Watch List

  Scenario: A waiver on a written plan keeps the country on the watch list
    Given it was placed on Tier 2 Watch List in 2009 and 2010
    And the automatic downgrade is waived for 2011 on a written plan that would constitute significant efforts, with sufficient resources
    When it is assessed under the rules for report year 2011
    Then it is placed on Tier 2 Watch List
    And the finding "automatic_downgrade" is "waived"

  Scenario: A plan without sufficient resources does not justify a waiver
    Given it was placed on Tier 2 Watch List in 2009 and 2010
    And a waiver for 2011 rests on a written plan without sufficient resources
    When it is assessed under the rules for report year 2011
    Then it is placed on Tier 3

  Scenario: A second waived year is still possible until the 2018 report
    Given it was placed on Tier 2 Watch List in 2010, 2011 and 2012
    And the automatic downgrade was waived in 2012
    And the automatic downgrade is waived for 2013 on a written plan that would constitute significant efforts, with sufficient resources
    When it is assessed under the rules for report year 2013
    Then it is placed on Tier 2 Watch List

  Scenario: Under the rules for report year 2013, after two waived years the downgrade is forced
    Given it was placed on Tier 2 Watch List in 2009, 2010, 2011 and 2012
    And the automatic downgrade was waived in 2011 and 2012
    And the automatic downgrade is waived for 2013 on a written plan that would constitute significant efforts, with sufficient resources
    When it is assessed under the rules for report year 2013
    Then it is placed on Tier 3
    And the rule "automatic-downgrade.waivers-exhausted" applies

  Scenario: From the 2019 report one waived year exhausts the waiver
    Given it was placed on Tier 2 Watch List in 2017 and 2018
    And it was placed on Tier 2 Watch List in 2016
    And the automatic downgrade was waived in 2018
    And the automatic downgrade is waived for 2019 on a written plan that would constitute significant efforts, with sufficient resources
    When it is assessed under the rules for report year 2019
    Then it is placed on Tier 3
    And the rule "automatic-downgrade.waiver-exhausted" applies

  Scenario: From the 2019 report a first waived year is still possible
    Given it was placed on Tier 2 Watch List in 2017 and 2018
    And the automatic downgrade is waived for 2019 on a written plan that would constitute significant efforts, with sufficient resources
    When it is assessed under the rules for report year 2019
    Then it is placed on Tier 2 Watch List
    And the finding "automatic_downgrade" is "waived"

  Scenario: A country moving up from the watch list is not downgraded
    Given it was placed on Tier 2 Watch List in 2009 and 2010
    And it also makes significant efforts that increase over the previous year
    When it is assessed under the rules for report year 2011
    Then it is placed on Tier 2
