package data

import "embed"

// pgMigrationFiles holds the PostgreSQL form of each migration in
// migrations/: the same NNNN_name.sql names, translated by the rules written
// at the top of migrations/postgres/0001_init.sql. schema_parity_test.go
// keeps the two sets describing the same schema.
//
//go:embed migrations/postgres/*.sql
var pgMigrationFiles embed.FS
