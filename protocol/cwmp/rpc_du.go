package cwmp

import "encoding/json"

// Software module management (CWMP 1.2+): ChangeDUState and the completion
// reports.

// ChangeDUState asks the CPE to install, update or uninstall deployment
// units. Operations is a repeated element, each carrying its concrete type
// in xsi:type, not a soap-enc array.
type ChangeDUState struct {
	Operations []Operation
	CommandKey string // optional in the schema: empty is not encoded
}

// ChangeDUStateResponse is empty; results follow in DUStateChangeComplete.
type ChangeDUStateResponse struct{}

// Operation is one of *InstallOpStruct, *UpdateOpStruct, *UninstallOpStruct.
type Operation interface {
	// OpType returns the xsi:type local name, e.g. "InstallOpStruct".
	OpType() string
}

// InstallOpStruct installs a deployment unit from URL. Empty optional
// fields are not encoded.
type InstallOpStruct struct {
	_               incomparable
	URL             string
	UUID            string
	Username        string
	Password        string
	ExecutionEnvRef string
}

// UpdateOpStruct updates one deployment unit, or all of them when UUID and
// URL are both empty. Empty fields are not encoded.
type UpdateOpStruct struct {
	_        incomparable
	UUID     string
	Version  string
	URL      string
	Username string
	Password string
}

// UninstallOpStruct removes a deployment unit. Empty optional fields are not
// encoded.
type UninstallOpStruct struct {
	_               incomparable
	UUID            string
	Version         string
	ExecutionEnvRef string
}

func (*InstallOpStruct) OpType() string   { return "InstallOpStruct" }
func (*UpdateOpStruct) OpType() string    { return "UpdateOpStruct" }
func (*UninstallOpStruct) OpType() string { return "UninstallOpStruct" }

// MarshalJSON adds the operation type, which the bare fields would lose.
func (o *InstallOpStruct) MarshalJSON() ([]byte, error) {
	type plain InstallOpStruct
	return json.Marshal(struct {
		_    incomparable // spares the binary an equality function
		Type string       `json:"type"`
		*plain
	}{Type: o.OpType(), plain: (*plain)(o)})
}

// MarshalJSON adds the operation type, which the bare fields would lose.
func (o *UpdateOpStruct) MarshalJSON() ([]byte, error) {
	type plain UpdateOpStruct
	return json.Marshal(struct {
		_    incomparable // spares the binary an equality function
		Type string       `json:"type"`
		*plain
	}{Type: o.OpType(), plain: (*plain)(o)})
}

// MarshalJSON adds the operation type, which the bare fields would lose.
func (o *UninstallOpStruct) MarshalJSON() ([]byte, error) {
	type plain UninstallOpStruct
	return json.Marshal(struct {
		_    incomparable // spares the binary an equality function
		Type string       `json:"type"`
		*plain
	}{Type: o.OpType(), plain: (*plain)(o)})
}

// DeploymentUnitFaultStruct reports one operation's outcome; FaultCode 0 is
// success.
type DeploymentUnitFaultStruct struct {
	_           incomparable
	FaultCode   FaultCode
	FaultString string // optional in the schema: empty is not encoded
}

// OpResultStruct is the result of one ChangeDUState operation.
type OpResultStruct struct {
	UUID                 string
	DeploymentUnitRef    string
	Version              string
	CurrentState         DUState
	Resolved             bool
	ExecutionUnitRefList string
	StartTime            DateTime
	CompleteTime         DateTime
	Fault                DeploymentUnitFaultStruct
}

// AutonOpResultStruct is the result of an autonomous DU operation.
type AutonOpResultStruct struct {
	OpResultStruct
	OperationPerformed DUOperation
}

// DUStateChangeComplete reports the results of a ChangeDUState.
type DUStateChangeComplete struct {
	Results    []OpResultStruct
	CommandKey string // optional in the schema: empty is not encoded
}

// DUStateChangeCompleteResponse is empty.
type DUStateChangeCompleteResponse struct{}

// AutonomousDUStateChangeComplete reports DU changes the ACS did not ask for.
type AutonomousDUStateChangeComplete struct {
	Results []AutonOpResultStruct
}

// AutonomousDUStateChangeCompleteResponse is empty.
type AutonomousDUStateChangeCompleteResponse struct{}

func (*ChangeDUState) Method() string                   { return "ChangeDUState" }
func (*ChangeDUStateResponse) Method() string           { return "ChangeDUStateResponse" }
func (*DUStateChangeComplete) Method() string           { return "DUStateChangeComplete" }
func (*DUStateChangeCompleteResponse) Method() string   { return "DUStateChangeCompleteResponse" }
func (*AutonomousDUStateChangeComplete) Method() string { return "AutonomousDUStateChangeComplete" }
func (*AutonomousDUStateChangeCompleteResponse) Method() string {
	return "AutonomousDUStateChangeCompleteResponse"
}
