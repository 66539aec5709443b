Feature: TVPRA 2003, from the 2004 report: the special watch list and the data presumption
  Tier 2 countries meeting a watch-list criterion are placed on the Tier 2 Watch List: a very
  significant or significantly increasing number of victims, a failure to show increasing efforts
  over the previous year, or efforts that rest on commitments to future steps. A government that
  does not provide data on prosecutions, or on complicit officials, is presumed not to act
  vigorously; in the 2004 and 2005 reports only, the Secretary could set the presumption aside for
  a government that provided some data and made a good-faith effort to collect it.

  Scenario: Increasing efforts keep a Tier 2 country off the watch list
    Given a country that makes significant efforts that increase over the previous year
    When it is assessed under the rules for each report year from 2004 to 2010
    Then it is placed on Tier 2
    And the finding "increasing_efforts" is "shown"

  Scenario: A very significant number of victims puts a Tier 2 country on the watch list
    Given a country that makes significant efforts that increase over the previous year
    And it also has a very significant number of victims
    When it is assessed under the rules for each report year from 2004 to 2010
    Then it is placed on Tier 2 Watch List
    And the rule "watch-list.victims" applies

  Scenario: Efforts that are significant only with commitments to future steps lead to the watch list
    Given a country that makes efforts that fall just short of significant
    And it also offers commitments to take future steps
    When it is assessed under the rules for each report year from 2004 to 2018
    Then the finding "efforts_on_actions_alone" is "not_making"
    And the finding "significant_efforts" is "making"
    And it is placed on Tier 2 Watch List
    And the rule "watch-list.future-commitments" applies

  Scenario: A promise does not rescue a government that is not making significant efforts
    Given a country that makes no significant efforts
    And it also offers commitments to take future steps
    When it is assessed under the rules for each report year from 2004 to 2018
    Then the rule "watch-list.future-commitments" does not apply
    And it is placed on Tier 3

  Scenario: An estimated 10,000 victims is a very significant number
    Given a country that makes significant efforts that increase over the previous year
    And it also has an estimated 10,000 victims
    When it is assessed under the rules for each report year from 2004 to 2018
    Then it is placed on Tier 2 Watch List
    And the rule "watch-list.victims" applies

  Scenario: A stated increase in victim assistance is evidence of increasing efforts
    Given a country that makes significant efforts on the same scale as the previous year
    And it also states that more victims were assisted than the year before
    When it is assessed under the rules for each report year from 2004 to 2025
    Then the finding "increasing_efforts" is "shown"
    And it is placed on Tier 2

  Scenario: A Tier 1 government without appreciable progress over last year leaves Tier 1
    Given a country that fully complies with the minimum standards but shows no increase over the previous year
    And it was placed on Tier 1 in 2006
    When it is assessed under the rules for report year 2007
    Then the finding "criterion_11" is "not_met"
    And it is not placed on Tier 1

  Scenario: Before the 2004 report appreciable progress was not a criterion
    Given a country that fully complies with the minimum standards but shows no increase over the previous year
    And it was placed on Tier 1 in 2002
    When it is assessed under the rules for report year 2003
    Then it is placed on Tier 1

  Scenario: Without commitments, a government making no significant efforts is on Tier 3
    Given a country that makes no significant efforts
    When it is assessed under the rules for report year 2007
    Then it is placed on Tier 3

  Scenario: The data presumption defeats full compliance, not significant efforts
    Given a country that provides no law-enforcement data but protects victims and informs the public
    When it is assessed under the rules for each report year from 2004 to 2025
    Then the finding "criterion_1" is "not_met"
    And the finding "significant_efforts" is "making"
    And it is placed on Tier 2

  Scenario: Counts reported by others do not lift the presumption from a government that withholds its data
    Given a country that fully complies with the minimum standards
    And it also withholds its prosecution data
    When it is assessed under the rules for each report year from 2006 to 2025
    Then the finding "criterion_1" is "not_met"
    And it is placed on Tier 2

  Scenario: In the 2004 and 2005 reports a good-faith effort to collect data sets the presumption aside
    Given a country that fully complies with the minimum standards
    And it also withholds its prosecution data
    And it also is found to make a good-faith effort to collect the data it partly provided
    When it is assessed under the rules for each report year from 2004 to 2005
    Then the rule "criterion-1.data-presumption.good-faith-period" does not apply
    And the finding "criterion_1" is "met"
    And it is placed on Tier 1

  Scenario: From the 2006 report the good-faith escape is gone
    Given a country that fully complies with the minimum standards
    And it also withholds its prosecution data
    And it also is found to make a good-faith effort to collect the data it partly provided
    When it is assessed under the rules for each report year from 2006 to 2025
    Then the finding "criterion_1" is "not_met"
    And it is placed on Tier 2

  Scenario: A government that withholds data on complicit officials is presumed not to act against them
    Given a country that makes significant efforts that increase over the previous year
    And it also withholds data on complicit officials
    When it is assessed under the rules for each report year from 2004 to 2025
    Then the finding "criterion_7" is "not_met"
    And it is placed on Tier 2

  Scenario: Good faith on officials' data sets that presumption aside in 2004 and 2005 only
    Given a country that makes significant efforts that increase over the previous year
    And it also withholds data on complicit officials
    And it also is found to make a good-faith effort to collect data on complicit officials
    When it is assessed under the rules for each report year from 2004 to 2005
    Then the rule "criterion-7.data-presumption.good-faith-period" does not apply
    And the finding "criterion_7" is "met"

  Scenario: Officials prosecuted but not convicted leave criterion 7 partly met
    Given a country that makes significant efforts that increase over the previous year
    And it also prosecutes but does not convict complicit officials
    When it is assessed under the rules for each report year from 2001 to 2025
    Then the finding "criterion_7" is "partly_met"
