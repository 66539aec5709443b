@corpus
Feature: Romania in the 2001 Trafficking in Persons Report
  The 2001 report placed Romania on Tier 3. A new squad has arrested three traffickers and a
  national coordinator has been appointed, but there is no specific law, the government gives no
  direct assistance to victims, and local officials, amid low-level corruption, treat victims as
  social outcasts.

  Background:
    Given the evidence dossier for Romania 2001

  Scenario: First steps, no protection, victims mistreated: Tier 3
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 3"
    And the tier agrees with the official placement
    And the finding "protection_effort" is "none_reported"
    And the finding "significant_efforts" is "not_making"
