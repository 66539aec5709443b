@corpus
Feature: Georgia in the 2001 Trafficking in Persons Report
  The 2001 report placed Georgia on Tier 2. There is no specific law, but prosecutors use the fraud
  statutes in trafficking cases and the government exchanges intelligence with other governments;
  budget constraints prevent prevention and repatriation programmes. The placement sits on the line.

  Background:
    Given the evidence dossier for Georgia 2001

  Scenario: Prosecutions under related laws and cooperation on cases: Tier 2
    When it is assessed under the rules for its own report year
    Then the tier is "Tier 2"
    And the tier agrees with the official placement
    And the finding "legal_framework" is "related_laws"
    And the finding "prosecution_effort" is "partial"
    And the finding "protection_effort" is "none_reported"
