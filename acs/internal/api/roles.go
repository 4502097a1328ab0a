package api

import (
	"fmt"
	"slices"
)

// Role is what a token may do. The set is closed: tokens name one of the
// four roles, and their powers are fixed in rolePermissions.
type Role string

// The roles of ARCHITECTURE.md.
const (
	RoleAdmin    Role = "admin"    // everything, including secret values
	RoleOperator Role = "operator" // configuration, presets, tasks
	RoleSupport  Role = "support"  // reads, reboot, refresh, diagnostics
	RoleReadonly Role = "readonly" // reads
)

// Roles lists the roles, most powerful first.
func Roles() []Role { return []Role{RoleAdmin, RoleOperator, RoleSupport, RoleReadonly} }

// ParseRole checks a role name given on a command line or found in the
// store.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if _, ok := rolePermissions[r]; ok {
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q: want one of admin, operator, support, readonly", s)
}

// Permission is one kind of action a route or a task type needs.
type Permission string

// Permissions, each granted to the roles listed in rolePermissions.
const (
	// PermRead: inventory, parameters, tasks, faults, presets, the API
	// document. Secret values stay masked unless PermSecrets is held too.
	PermRead Permission = "read"
	// PermTag: add and remove device tags.
	PermTag Permission = "tag"
	// PermDeleteDevice: drop a device and its cached state from the
	// inventory.
	PermDeleteDevice Permission = "deleteDevice"
	// PermTaskSupport: the tasks support staff run during a call
	// (getParameterValues, refresh, reboot).
	PermTaskSupport Permission = "taskSupport"
	// PermTaskConfig: tasks that change a device's configuration or state.
	PermTaskConfig Permission = "taskConfig"
	// PermPresetWrite: create and replace presets.
	PermPresetWrite Permission = "presetWrite"
	// PermAudit: read the audit log.
	PermAudit Permission = "audit"
	// PermSecrets: see hidden and secured parameter values and the
	// connection-request credentials.
	PermSecrets Permission = "secrets"
)

// rolePermissions is the single source of what each role may do.
// Deleting a device is kept to admin: it drops the parameter cache and
// history that support and operators rely on, and the device reappears
// with its next Inform anyway, so nobody needs it routinely.
var rolePermissions = map[Role][]Permission{
	RoleAdmin: {PermRead, PermTag, PermDeleteDevice, PermTaskSupport, PermTaskConfig,
		PermPresetWrite, PermAudit, PermSecrets},
	RoleOperator: {PermRead, PermTag, PermTaskSupport, PermTaskConfig, PermPresetWrite},
	RoleSupport:  {PermRead, PermTaskSupport},
	RoleReadonly: {PermRead},
}

// Can reports whether the role holds the permission.
func (r Role) Can(p Permission) bool { return slices.Contains(rolePermissions[r], p) }
