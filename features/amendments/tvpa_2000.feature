Feature: TVPA 2000, reports 2001 to 2003: three tiers, no watch list, no data presumption
  The Trafficking Victims Protection Act of 2000 created three lists: Tier 1 (full compliance),
  Tier 2 (significant efforts) and Tier 3 (neither). The special watch list and the presumption
  against governments that withhold prosecution data came with the 2003 reauthorization.

  Scenario: Under the rules for report year 2003 no country is placed on a watch list
    Given a country that makes significant efforts but shows no increase over the previous year
    And it also has a very significant number of victims
    When it is assessed under the rules for report year 2003
    Then it is placed on Tier 2
    And no rule in force places a country on Tier 2 Watch List

  Scenario: From the 2004 report the same government is on the Tier 2 Watch List
    Given a country that makes significant efforts but shows no increase over the previous year
    When it is assessed under the rules for report year 2004
    Then it is placed on Tier 2 Watch List
    And the rule "watch-list.no-increasing-efforts" applies

  Scenario: Before 2004, a government that withholds prosecution data is not presumed to fail
    Given a country that provides no law-enforcement data but protects victims and informs the public
    When it is assessed under the rules for each report year from 2001 to 2003
    Then the finding "criterion_1" is "no_evidence"
    And it is placed on Undetermined

  Scenario: Until 2008 the standards apply only to countries with a significant number of victims
    Given a country that has nothing on record
    When it is assessed under the rules for each report year from 2001 to 2008
    Then the finding "applicability" is "undetermined"
