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
    Then the rule "criterion-1.data-presumption" does not apply
    And the finding "prosecution_effort" is "none_reported"
    And the finding "significant_efforts" is "making"
    And it is placed on Tier 2

  Scenario: Below the significant-number threshold the minimum standards do not apply
    Given a country that has a number of victims judged not significant
    When it is assessed under the rules for each report year from 2001 to 2008
    Then the finding "applicability" is "not_applicable"
    And it is placed on Not ranked

  Scenario: A complete narrative that reports nothing is read as no effort, not as unknown
    Given a country that makes efforts that fall just short of significant
    When it is assessed under the rules for each report year from 2001 to 2003
    Then the finding "protection_effort" is "none_reported"
    And the finding "significant_efforts" is "not_making"
    And it is placed on Tier 3

  Scenario: In a partial narrative the same silence is unknown
    Given a country that makes efforts that fall just short of significant
    And only part of its narrative is available
    When it is assessed under the rules for each report year from 2001 to 2003
    Then the finding "protection_effort" is "unknown"
    And the finding "significant_efforts" is "undetermined"
    And it is placed on Undetermined

  Scenario: Complicity weighs against efforts in proportion to its extent
    Given a country that makes some efforts amid widespread, unpunished complicity of officials
    When it is assessed under the rules for each report year from 2001 to 2003
    Then the finding "significant_efforts" is "not_making"
    And it is placed on Tier 3

  Scenario: A fine for the basic offence is not a penalty sufficiently stringent to deter
    Given a country that fully complies with the minimum standards
    And it also punishes the basic trafficking offence by a fine, with ten years only where a victim dies
    When it is assessed under the rules for each report year from 2001 to 2025
    Then the finding "standard_3" is "not_met"
    And it is not placed on Tier 1

  Scenario: Until 2008 the standards apply only to countries with a significant number of victims
    Given a country that has nothing on record
    When it is assessed under the rules for each report year from 2001 to 2008
    Then the finding "applicability" is "undetermined"
