@corpus
Feature: Canada in the 2002 Trafficking in Persons Report
  The 2002 report placed Canada on Tier 1. A new immigration law outlaws trafficking; the police
  actively investigate and traffickers have been convicted under related laws; crime victims'
  services are open to trafficking victims, who may apply for permanent residency; a working group
  coordinates a variety of prevention initiatives. The narrative states no penalty: standards 2 and
  3 are presumed met from its silence, and shown as presumed.

  Background:
    Given the evidence dossier for Canada 2002

  Scenario: Substantial efforts in every pillar under a criminal law: Tier 1
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 1"
    And the tier agrees with the official placement
    And the finding "standard_2" is "presumed_met"
    And the finding "standard_4" is "met"
    And the finding "protection_effort" is "substantial"
