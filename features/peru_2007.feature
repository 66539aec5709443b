Feature: Peru in the 2007 Trafficking in Persons Report
  The 2007 report placed Peru on Tier 2: the government does not fully comply with the minimum
  standards of the Trafficking Victims Protection Act but is making significant efforts to do so.
  tip-assess must reach that placement from the facts in the narrative, for the reasons the law
  gives, and must change its answer when the facts change.

  Background:
    Given the evidence dossier for Peru 2007

  Scenario: Peru is placed on Tier 2 under the rules for 2007
    When it is assessed under the rules for report year 2007
    Then the tier is "Tier 2"
    And the placement is "determined"
    And standard 1 is met on the strength of "Law 28950"
    And the finding "standard_3" is "met"
    And the finding "significant_efforts" is "making"
    And the finding "increasing_efforts" is "shown"

  Scenario: Victim protection is what stands between Peru and Tier 1
    When it is assessed under the rules for report year 2007
    Then the finding "protection_effort" is "partial"
    And the finding "criterion_2" is "partly_met"
    And the finding "full_compliance" is "does_not_fully_comply"
    And the explanation of why not "Tier 1" names "the total is 4: 1 more needed"
    And the explanation of why not "Tier 1" names "care by the government for trafficking victims, no limitation stated"

  Scenario: Without the anti-trafficking law, standard 1 is not met and Tier 1 is out of reach
    Given the dossier without its records of kind "anti_trafficking_law"
    When it is assessed under the rules for report year 2007
    Then the finding "standard_1" is "not_met"
    And the tier is not "Tier 1"
    And the explanation of why not "Tier 1" names "no 'anti_trafficking_law' record in the dossier"

  Scenario: Penalties of fines only do not meet standard 3
    Given the penalties in the dossier are fines only
    When it is assessed under the rules for report year 2007
    Then the finding "standard_3" is "not_met"
    And the tier is not "Tier 1"

  Scenario: No evidence of increasing efforts puts Peru on the Tier 2 Watch List
    Given the dossier shows no increase in efforts over the previous year
    When it is assessed under the rules for report year 2007
    Then the finding "watch_list_trigger" is "triggered"
    And the tier is "Tier 2 Watch List"

  Scenario: Unpunished complicity of officials fails criterion 7
    Given credible reports that officials are complicit, and none is prosecuted
    When it is assessed under the rules for report year 2007
    Then the finding "criterion_7" is "not_met"
