@corpus
Feature: Cameroon in the 2001 Trafficking in Persons Report
  The 2001 report placed Cameroon on Tier 2. The Penal Code prohibits trafficking, with penalties
  above those for forced sexual assault; the narrative reports no prosecution, but the Ministry of
  Social Affairs gives limited rehabilitative assistance to child victims, and an interagency
  committee and an ILO project prevent trafficking.

  Background:
    Given the evidence dossier for Cameroon 2001

  Scenario: Protection and prevention efforts under a specific law: Tier 2
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 2"
    And the tier agrees with the official placement
    And the finding "prosecution_effort" is "none_reported"
    And the finding "protection_effort" is "partial"
    And the finding "significant_efforts" is "making"
