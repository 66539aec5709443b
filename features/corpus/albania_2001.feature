@corpus
Feature: Albania in the 2001 Trafficking in Persons Report
  The 2001 report placed Albania on Tier 3. The narrative reports 144 prosecutions in 2000, but
  also "corruption at all levels of government". How far that corruption reaches is an analyst
  judgment, recorded as such (complicity_extent: pervasive, none reported), and the weighing of
  §110(b)(3) sets it against the prosecutions: the total stays one point below the line.

  Background:
    Given the evidence dossier for Albania 2001

  Scenario: Pervasive corruption outweighs 144 prosecutions: Tier 3
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 3"
    And the tier agrees with the official placement
    And the finding "criterion_1" is "partly_met"
    And the finding "significant_efforts" is "not_making"
    And the explanation names "complicity_extent" as pivotal
    And the explanation names "official corruption" as pivotal

  Scenario: The prosecutions alone would have counted as a prosecution effort
    When it is assessed under the rules for its own report year
    Then the finding "criterion_1" is "partly_met"
    And the finding "criterion_7" is "not_met"
