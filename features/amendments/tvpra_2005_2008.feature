Feature: TVPRA 2005 and 2008: reworded prevention, every country assessed, demand its own criterion
  The 2005 reauthorization is believed to have added measures against forced and child labour and
  against demand to the prevention criterion (unconfirmed). The William Wilberforce TVPRA of 2008
  dropped the "significant number of victims" threshold, so from the 2009 report every country is
  assessed, and made the reduction of demand for commercial sex and sex tourism a criterion of its
  own.

  Scenario: A measure against forced labour counts as prevention in every report year
    Given a country that makes significant efforts that increase over the previous year
    And it also acts against forced and child labour
    When it is assessed under the rules for each report year from 2001 to 2025
    Then the finding "prevention_effort" is "partial"
    And the finding "criterion_3" is "partly_met"

  Scenario: From the 2009 report a country without a victim figure is still assessed
    Given a country that has nothing on record
    When it is assessed under the rules for each report year from 2009 to 2025
    Then the finding "applicability" is "applies"
    And the rule "applicability.all-countries" applies

  Scenario: From the 2009 report tolerating sex tourism without countering demand fails a criterion
    Given a country that makes significant efforts that increase over the previous year
    And it also tolerates child sex tourism without countering demand
    When it is assessed under the rules for each report year from 2009 to 2025
    Then the finding "criterion_12" is "not_met"
    And it is placed on Tier 2

  Scenario: Before the 2009 report demand reduction is not a criterion of its own
    Given a country that makes significant efforts that increase over the previous year
    And it also tolerates child sex tourism without countering demand
    When it is assessed under the rules for report year 2008
    Then the rule "criterion-12.not-met" does not apply
    And it is placed on Tier 2

  Scenario: From the 2009 report a complete narrative silent on demand reports nothing on it
    Given a country that makes significant efforts that increase over the previous year
    When it is assessed under the rules for each report year from 2009 to 2025
    Then the finding "criterion_12" is "not_reported"

  Scenario: In a partial narrative the same silence on demand is unknown
    Given a country that makes significant efforts that increase over the previous year
    And only part of its narrative is available
    When it is assessed under the rules for each report year from 2009 to 2025
    Then the finding "criterion_12" is "no_evidence"
