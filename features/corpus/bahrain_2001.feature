@corpus
Feature: Bahrain in the 2001 Trafficking in Persons Report
  The 2001 report placed Bahrain on Tier 3. The narrative states that the government does not
  recognise trafficking as a problem, is not devoting resources to it and does not assist victims;
  only related statutes could reach traffickers. Stated absences are evidence, and a complete
  narrative that reports no effort in any pillar reaches Tier 3.

  Background:
    Given the evidence dossier for Bahrain 2001

  Scenario: No effort reported in any pillar, and the problem denied: Tier 3
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 3"
    And the tier agrees with the official placement
    And the placement is "determined"
    And the finding "protection_effort" is "none_reported"
    And the finding "significant_efforts" is "not_making"
