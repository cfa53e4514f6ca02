-- 0010: status-change delivery (任务、发件箱与订阅): response tasks of joint rewards and
-- punishments (联合奖惩任务), the outbox drained to NATS JetStream, monitoring subscriptions and
-- their webhook deliveries. The same tables as store/sqlite/migrations/0010_delivery.sql.
-- No trigger and no LISTEN/NOTIFY: the relay polls the outbox, which every PostgreSQL-wire
-- engine runs.
CREATE SEQUENCE task_ids;
CREATE TABLE tasks (
	id           bigint PRIMARY KEY DEFAULT nextval('task_ids'),
	change_id    text NOT NULL,
	kind         text NOT NULL,
	subject_key  text NOT NULL,
	list         text NOT NULL DEFAULT '',
	entry_id     bigint NOT NULL DEFAULT 0,
	record_id    bigint NOT NULL DEFAULT 0,
	reason       text NOT NULL DEFAULT '',
	dept         text NOT NULL,
	status       text NOT NULL,
	deadline     timestamptz NOT NULL,
	created_at   timestamptz NOT NULL,
	overdue_at   timestamptz,
	outcome      text NOT NULL DEFAULT '',
	response     text NOT NULL DEFAULT '',
	responded_by text NOT NULL DEFAULT '',
	responded_at timestamptz,
	UNIQUE (change_id, dept)
);
ALTER SEQUENCE task_ids OWNED BY tasks.id;
CREATE INDEX tasks_dept ON tasks (dept, status, deadline);
CREATE INDEX tasks_subject ON tasks (subject_key, id);
CREATE INDEX tasks_due ON tasks (status, deadline);

-- Written in the transaction of the change it carries; the relay marks a message sent only
-- after JetStream acknowledged it. msg_id goes out as Nats-Msg-Id.
CREATE SEQUENCE outbox_ids;
CREATE TABLE outbox (
	id         bigint PRIMARY KEY DEFAULT nextval('outbox_ids'),
	msg_id     text NOT NULL UNIQUE,
	topic      text NOT NULL,
	body       bytea NOT NULL,
	status     text NOT NULL,
	attempts   integer NOT NULL DEFAULT 0,
	next_at    timestamptz NOT NULL,
	last_error text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL,
	sent_at    timestamptz,
	stream_seq bigint NOT NULL DEFAULT 0
);
ALTER SEQUENCE outbox_ids OWNED BY outbox.id;
CREATE INDEX outbox_due ON outbox (status, next_at, id);

-- A webhook secret is sealed with the platform key (credit.Sealer): it must be usable to sign.
CREATE SEQUENCE subscription_ids;
CREATE TABLE subscriptions (
	id         bigint PRIMARY KEY DEFAULT nextval('subscription_ids'),
	dept       text NOT NULL,
	target     text NOT NULL,
	target_key text NOT NULL,
	label      text NOT NULL DEFAULT '',
	channel    text NOT NULL,
	url        text NOT NULL DEFAULT '',
	secret     bytea,
	purpose    text NOT NULL DEFAULT '',
	created_by text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL,
	removed_at timestamptz
);
ALTER SEQUENCE subscription_ids OWNED BY subscriptions.id;
CREATE INDEX subscriptions_target ON subscriptions (target_key, target);
CREATE INDEX subscriptions_dept ON subscriptions (dept, id);

CREATE SEQUENCE webhook_delivery_ids;
CREATE TABLE webhook_deliveries (
	id              bigint PRIMARY KEY DEFAULT nextval('webhook_delivery_ids'),
	subscription_id bigint NOT NULL,
	dept            text NOT NULL,
	change_id       text NOT NULL,
	body            bytea NOT NULL,
	status          text NOT NULL,
	attempts        integer NOT NULL DEFAULT 0,
	next_at         timestamptz NOT NULL,
	last_status     integer NOT NULL DEFAULT 0,
	last_error      text NOT NULL DEFAULT '',
	created_at      timestamptz NOT NULL,
	delivered_at    timestamptz,
	UNIQUE (change_id, subscription_id)
);
ALTER SEQUENCE webhook_delivery_ids OWNED BY webhook_deliveries.id;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_at, id);
CREATE INDEX webhook_deliveries_sub ON webhook_deliveries (subscription_id, id);
CREATE INDEX webhook_deliveries_dept ON webhook_deliveries (dept, id);
