package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/octoacme/flightdeck/model"
)

// MaxMeetingOwnerLen bounds the postmortem owner's name.
const MaxMeetingOwnerLen = 80

// ScheduleMeeting records (or moves) INC-id's postmortem meeting at meetAt,
// owned by owner (empty: the incident's commander, else the actor), in one
// transaction with its incident.postmortem_scheduled event dated now.
// Scheduling the same time and owner again changes nothing and writes no
// event (a retried command). The meeting may not be in the past nor more
// than model.MaxMeetingLead ahead.
func (s *Store) ScheduleMeeting(ctx context.Context, id int64, meetAt time.Time, owner, actor string, now time.Time) (model.Incident, error) {
	owner, err := cleanLine("postmortem owner (--owner)", owner, MaxMeetingOwnerLen, false)
	if err != nil {
		return model.Incident{}, err
	}
	if err := model.CheckMeetingTime(meetAt, now); err != nil {
		return model.Incident{}, invalid(err)
	}
	meetAt = meetAt.Round(0).UTC().Truncate(time.Millisecond)
	return s.changeIncident(ctx, "schedule the postmortem", id, actor, now, func(tx *sql.Tx, inc model.Incident, actor string) (bool, error) {
		if owner == "" {
			owner = inc.Commander
			if inc.Meeting != nil && inc.Meeting.Owner != "" {
				owner = inc.Meeting.Owner
			}
			if owner == "" {
				owner = actor
			}
		}
		m := model.PostmortemMeeting{At: meetAt, Owner: owner, ScheduledBy: actor, ScheduledAt: now.Round(0).UTC()}
		if b := inc.Meeting; b != nil {
			if b.At.Equal(m.At) && b.Owner == m.Owner {
				return false, nil
			}
			m.Sequence = b.Sequence + 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_meetings (incident_id, at, owner, scheduled_by, scheduled_at, sequence)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (incident_id) DO UPDATE SET at = excluded.at, owner = excluded.owner,
				scheduled_by = excluded.scheduled_by, scheduled_at = excluded.scheduled_at, sequence = excluded.sequence`,
			inc.ID, m.At.UnixMilli(), m.Owner, m.ScheduledBy, m.ScheduledAt.UnixMilli(), m.Sequence); err != nil {
			return false, fmt.Errorf("record the postmortem meeting: %w", err)
		}
		return true, appendEvent(ctx, tx, incidentEvent(inc, model.EventPostmortemScheduled, actor, now, model.TextPostmortemScheduled(m, inc.Meeting)))
	})
}
