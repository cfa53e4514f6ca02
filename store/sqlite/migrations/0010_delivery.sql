-- 0010: status-change delivery (任务、发件箱与订阅): response tasks of joint rewards and
-- punishments (联合奖惩任务), the outbox drained to NATS JetStream, monitoring subscriptions and
-- their webhook deliveries. Times are Unix seconds like the rest of the store.
CREATE TABLE tasks (
	id           INTEGER PRIMARY KEY,
	change_id    TEXT NOT NULL,
	kind         TEXT NOT NULL,
	subject_key  TEXT NOT NULL,
	list         TEXT NOT NULL DEFAULT '',
	entry_id     INTEGER NOT NULL DEFAULT 0,
	record_id    INTEGER NOT NULL DEFAULT 0,
	reason       TEXT NOT NULL DEFAULT '',
	dept         TEXT NOT NULL,
	status       TEXT NOT NULL,
	deadline     INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	overdue_at   INTEGER,
	outcome      TEXT NOT NULL DEFAULT '',
	response     TEXT NOT NULL DEFAULT '',
	responded_by TEXT NOT NULL DEFAULT '',
	responded_at INTEGER,
	UNIQUE (change_id, dept)
);
CREATE INDEX tasks_dept ON tasks(dept, status, deadline);
CREATE INDEX tasks_subject ON tasks(subject_key, id);
CREATE INDEX tasks_due ON tasks(status, deadline);

-- Written in the transaction of the change it carries; the relay marks a message sent only
-- after JetStream acknowledged it. msg_id goes out as Nats-Msg-Id.
CREATE TABLE outbox (
	id         INTEGER PRIMARY KEY,
	msg_id     TEXT NOT NULL UNIQUE,
	topic      TEXT NOT NULL,
	body       BLOB NOT NULL,
	status     TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_at    INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	sent_at    INTEGER,
	stream_seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox(status, next_at, id);

-- A webhook secret is sealed with the platform key (credit.Sealer): it must be usable to sign.
CREATE TABLE subscriptions (
	id         INTEGER PRIMARY KEY,
	dept       TEXT NOT NULL,
	target     TEXT NOT NULL,
	target_key TEXT NOT NULL,
	label      TEXT NOT NULL DEFAULT '',
	channel    TEXT NOT NULL,
	url        TEXT NOT NULL DEFAULT '',
	secret     BLOB,
	purpose    TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	removed_at INTEGER
);
CREATE INDEX subscriptions_target ON subscriptions(target_key, target);
CREATE INDEX subscriptions_dept ON subscriptions(dept, id);

CREATE TABLE webhook_deliveries (
	id              INTEGER PRIMARY KEY,
	subscription_id INTEGER NOT NULL,
	dept            TEXT NOT NULL,
	change_id       TEXT NOT NULL,
	body            BLOB NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_at         INTEGER NOT NULL,
	last_status     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	delivered_at    INTEGER,
	UNIQUE (change_id, subscription_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_at, id);
CREATE INDEX webhook_deliveries_sub ON webhook_deliveries(subscription_id, id);
CREATE INDEX webhook_deliveries_dept ON webhook_deliveries(dept, id);
