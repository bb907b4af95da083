/**
 * Vitest setup file of the integration and e2e tiers: the specs sign in to the engines as the
 * stack's admin (KAFKA_*, CASSANDRA_*, POSTGRES_* _USERNAME/_PASSWORD), read from the
 * credentials of the stack folder they test against (`STACK_DIR`). A spec that needs a
 * service's own, narrower principal reads it with `stackCredentials()`. Variables already set
 * (a CI job's secrets) win.
 */
import { signInAsAdmin } from '../credentials.ts';

signInAsAdmin();
