@corpus
Feature: Greece in the 2001 Trafficking in Persons Report
  The 2001 report placed Greece on Tier 3. Trafficking cases were rarely tried, and "Corruption
  among police and border control is a major problem". The analyst judges that corruption
  widespread, and investigated but not punished (guide 3.2); weighed against the government's
  minimal efforts, it keeps the total below the line.

  Background:
    Given the evidence dossier for Greece 2001

  Scenario: Widespread corruption among police and border control, weighed against minimal efforts: Tier 3
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 3"
    And the tier agrees with the official placement
    And the finding "significant_efforts" is "not_making"
    And the explanation names "complicity_extent" as pivotal
    And the explanation names "official corruption" as pivotal

  Scenario: No law against all forms of trafficking fails standard 1
    When it is assessed under the rules for its own report year
    Then the finding "standard_1" is "not_met"
    And the finding "legal_framework" is "related_laws"

  Scenario: Misconduct investigated but no one punished leaves criterion 7 partly met
    When it is assessed under the rules for its own report year
    Then the finding "criterion_7" is "partly_met"
