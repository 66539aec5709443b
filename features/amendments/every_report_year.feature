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

  Scenario: A dossier with nothing on record settles no placement in any report year
    Given a country that has nothing on record
    When it is assessed under the rules for each report year from 2001 to 2025
    Then it is placed on Undetermined
    And the finding "standard_1" is "not_met"
