Feature: The same government placed under the rules of every report year, 2001 to 2025
  The tiers rest on the same questions in every year: does the government fully comply with the
  minimum standards, and if not, is it making significant efforts? Amendments add lists, criteria
  and limits, but a clear case keeps its tier whatever the year.

  Scenario: A government that fully complies is on Tier 1 in every report year
    Given a country that fully complies with the minimum standards
    And it also has partnerships with measurable outcomes
    When it is assessed under the rules for each report year from 2001 to 2025
    Then it is placed on Tier 1
    And the finding "standard_4" is "met"

  Scenario: A government making increasing significant efforts is on Tier 2 in every report year
    Given a country that makes significant efforts that increase over the previous year
    When it is assessed under the rules for each report year from 2001 to 2025
    Then it is placed on Tier 2
    And the finding "full_compliance" is "does_not_fully_comply"

  Scenario: A government making no significant efforts is on Tier 3 in every report year
    Given a country that makes no significant efforts
    When it is assessed under the rules for each report year from 2001 to 2025
    Then it is placed on Tier 3
    And the finding "criterion_2" is "not_met"

  Scenario: Until 2008 a complete narrative with no victim figure leaves the placement open
    Given a country that has nothing on record
    When it is assessed under the rules for each report year from 2001 to 2008
    Then the finding "applicability" is "undetermined"
    And it is placed on Undetermined
    And the finding "standard_1" is "not_met"

  Scenario: From 2009 a complete narrative that reports no effort at all is Tier 3
    Given a country that has nothing on record
    When it is assessed under the rules for each report year from 2009 to 2025
    Then the finding "significant_efforts" is "not_making"
    And it is placed on Tier 3

  Scenario: From 2009 a partial narrative that says nothing settles no placement
    Given a country that has nothing on record
    And only part of its narrative is available
    When it is assessed under the rules for each report year from 2009 to 2025
    Then it is placed on Undetermined

  Scenario: Related laws, cooperation on cases and migration monitoring are weighed in every report year
    Given a country that prosecutes with related laws and works with other governments on cases
    When it is assessed under the rules for each report year from 2001 to 2025
    Then the finding "legal_framework" is "related_laws"
    And the finding "prosecution_effort" is "partial"
    And the finding "protection_effort" is "partial"
    And the finding "prevention_effort" is "partial"
    And the finding "criterion_4" is "met"
    And the finding "criterion_5" is "met"
    And the finding "criterion_6" is "met"
    And the finding "significant_efforts" is "making"
    And it is not placed on Tier 1

  Scenario: From the 2004 report self-monitoring and the share of foreign victims are shown
    Given a country that prosecutes with related laws and works with other governments on cases
    When it is assessed under the rules for each report year from 2004 to 2025
    Then the finding "criterion_10" is "met"
    And the finding "criterion_8" is "met"

  Scenario: Refusing extradition fails criterion 5 and general migration control partly meets criterion 6
    Given a country that makes significant efforts that increase over the previous year
    And it also receives foreign victims, refuses extradition and controls migration generally
    When it is assessed under the rules for each report year from 2001 to 2025
    Then the finding "criterion_5" is "not_met"
    And the finding "criterion_6" is "partly_met"

  Scenario: From the 2004 report a destination country's foreign victims are shown under criterion 8
    Given a country that makes significant efforts that increase over the previous year
    And it also receives foreign victims, refuses extradition and controls migration generally
    When it is assessed under the rules for each report year from 2004 to 2025
    Then the finding "criterion_8" is "not_met"

  Scenario: One more point of effort, even a related programme, can carry efforts over the line
    Given a country that makes efforts that fall just short of significant
    And it also runs a programme for at-risk youth
    When it is assessed under the rules for each report year from 2001 to 2025
    Then the finding "prevention_effort" is "minimal"
    And the finding "significant_efforts" is "making"
