Feature: TVPRA 2013, from the 2013 report: partnerships, and public allegations against officials
  The 2013 reauthorization (title XII of Pub. L. 113-4) is believed to have added the
  partnerships criterion, now (9), and to treat a failure to address public allegations against
  officials as inaction under criterion (7) (both unconfirmed).

  Scenario: Under the rules for report year 2012 full compliance needs no partnership results
    Given a country that fully complies with the minimum standards
    When it is assessed under the rules for report year 2012
    Then it is placed on Tier 1

  Scenario: From the 2013 report Tier 1 needs partnerships with concrete, measurable outcomes
    Given a country that fully complies with the minimum standards
    And it also has partnerships without measurable outcomes
    When it is assessed under the rules for each report year from 2013 to 2025
    Then the finding "criterion_9" is "not_met"
    And it is placed on Tier 2

  Scenario: With measurable outcomes the same government stays on Tier 1
    Given a country that fully complies with the minimum standards
    And it also has partnerships with measurable outcomes
    When it is assessed under the rules for each report year from 2013 to 2025
    Then the finding "criterion_9" is "met"
    And it is placed on Tier 1

  Scenario: From the 2013 report a complete narrative silent on partnerships reports nothing on them
    Given a country that makes significant efforts that increase over the previous year
    When it is assessed under the rules for each report year from 2013 to 2025
    Then the finding "criterion_9" is "not_reported"

  Scenario: From the 2013 report unaddressed public allegations against officials are inaction
    Given a country that fully complies with the minimum standards
    And it also has partnerships with measurable outcomes
    And it also leaves public allegations against officials unaddressed
    When it is assessed under the rules for each report year from 2013 to 2025
    Then the finding "criterion_7" is "not_met"
    And it is placed on Tier 2

  Scenario: Before the 2013 report unaddressed allegations alone do not fail criterion 7
    Given a country that fully complies with the minimum standards
    And it also leaves public allegations against officials unaddressed
    When it is assessed under the rules for each report year from 2009 to 2012
    Then the finding "criterion_7" is "met"
    And it is placed on Tier 1
