-- The plan store's tables as PlanStore created them (metadata.create_all) before the
-- schema had migrations, for sqlite. Frozen: the migration tests build a database
-- from this and upgrade it. Never edit it to follow a later schema.
CREATE TABLE triage_plans (
	id VARCHAR(40) NOT NULL,
	scenario VARCHAR(100) NOT NULL,
	title TEXT NOT NULL,
	team VARCHAR(200) NOT NULL,
	participants TEXT NOT NULL,
	created_at DATETIME NOT NULL,
	created_by VARCHAR(200) NOT NULL,
	latest_revision INTEGER NOT NULL,
	updated_at DATETIME NOT NULL,
	updated_by VARCHAR(200) NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_triage_plans_scenario ON triage_plans (scenario);
CREATE INDEX ix_triage_plans_team ON triage_plans (team);
CREATE INDEX ix_triage_plans_updated_at ON triage_plans (updated_at);
CREATE TABLE triage_audit (
	id INTEGER NOT NULL,
	plan_id VARCHAR(40) NOT NULL,
	revision INTEGER NOT NULL,
	author VARCHAR(200) NOT NULL,
	at DATETIME NOT NULL,
	action_id VARCHAR(100) NOT NULL,
	field VARCHAR(40) NOT NULL,
	old TEXT NOT NULL,
	new TEXT NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(plan_id) REFERENCES triage_plans (id)
);
CREATE INDEX ix_triage_audit_plan ON triage_audit (plan_id, revision);
CREATE TABLE triage_decisions (
	id INTEGER NOT NULL,
	plan_id VARCHAR(40) NOT NULL,
	revision INTEGER NOT NULL,
	approver VARCHAR(200) NOT NULL,
	decided_at DATETIME NOT NULL,
	note TEXT NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(plan_id) REFERENCES triage_plans (id)
);
CREATE INDEX ix_triage_decisions_plan ON triage_decisions (plan_id);
CREATE TABLE triage_followups (
	seq INTEGER NOT NULL,
	id VARCHAR(40) NOT NULL,
	plan_id VARCHAR(40) NOT NULL,
	kind VARCHAR(20) NOT NULL,
	name VARCHAR(255) NOT NULL,
	size INTEGER NOT NULL,
	data BLOB NOT NULL,
	author VARCHAR(200) NOT NULL,
	at DATETIME NOT NULL,
	revision INTEGER NOT NULL,
	PRIMARY KEY (seq),
	UNIQUE (id),
	FOREIGN KEY(plan_id) REFERENCES triage_plans (id)
);
CREATE INDEX ix_triage_followups_plan ON triage_followups (plan_id);
CREATE TABLE triage_revisions (
	plan_id VARCHAR(40) NOT NULL,
	revision INTEGER NOT NULL,
	session_json TEXT NOT NULL,
	author VARCHAR(200) NOT NULL,
	created_at DATETIME NOT NULL,
	note TEXT NOT NULL,
	team VARCHAR(200) NOT NULL,
	participants TEXT NOT NULL,
	PRIMARY KEY (plan_id, revision),
	FOREIGN KEY(plan_id) REFERENCES triage_plans (id)
);
