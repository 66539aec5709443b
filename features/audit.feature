Feature: Auditing rule changes
  Before a change to the rules is merged, a reviewer must see which placements it moves and why;
  and anyone relying on a recorded decision must be able to tell whether the record was altered.
  These scenarios use the small fixture rulebook in tests/fixtures/audit, whose outcomes are
  fixed: Ruritania 2007 is on Tier 2 with a five-year prison sentence on record, and Freedonia
  2007 is on Tier 1 with a twelve-year sentence and a shelter dedicated to trafficking victims.

  Background:
    Given the fixture rules and dossiers, committed to git

  Scenario: A threshold change moves a placement and the impact report names it
    Given the parameter "incarceration_min_years" is set to 10 in the working rules
    When the impact of the working rules is assessed against "git:HEAD"
    Then the command exits with status 1
    And "Ruritania 2007" moves from "Tier 2 (determined)" to "Tier 3 (determined)"
    And the finding "prosecution" flipped from "met" to "not_met" because of the changed rule "prosecution.met"
    And the scenario "Ruritania is on Tier 2" is named as one that would now fail
    And "Freedonia 2007" does not move

  Scenario: The semantic diff grades the threshold change and says for which years
    Given the parameter "incarceration_min_years" is set to 10 in the working rules
    When the working rules are compared with "git:HEAD"
    Then the command exits with status 0
    And the diff reports "value for report years 2001 onwards: 1 → 10" under "OUTCOME-AFFECTING"

  Scenario: A reworded citation is editorial and moves no placement
    Given the citation "Toy Act §2" of rule "protection.met" is reworded as "Toy Act §2(a)"
    When the impact of the working rules is assessed against "git:HEAD"
    Then the command exits with status 0
    And the report says "rule changes: 0 outcome-affecting, 1 editorial"
    And the report says "PLACEMENTS THAT CHANGE: 0"

  Scenario: A tampered decision log fails verification and names the entry
    Given decisions recorded for "Ruritania 2007", "Freedonia 2007" and "Ruritania 2007"
    When someone changes the tier recorded in entry 2 to "Tier 2"
    And the decision log is verified
    Then the command exits with status 1
    And the report says "first bad entry: 2 (line 2)"
    And the report says "entry 2 (line 2): hash does not match its content (altered)"

  Scenario: A deleted decision is detected
    Given decisions recorded for "Ruritania 2007", "Freedonia 2007" and "Ruritania 2007"
    When someone deletes entry 2
    And the decision log is verified
    Then the command exits with status 1
    And the report says "entry at line 2 has seq 3, expected 2 (an entry was removed or reordered)"

  Scenario: A recorded decision replays byte for byte after the rules have changed
    Given decisions recorded for "Ruritania 2007"
    And the parameter "incarceration_min_years" is set to 10 in the working rules
    When entry 1 is replayed
    Then the command exits with status 0
    And the report says "reproduced byte for byte"
