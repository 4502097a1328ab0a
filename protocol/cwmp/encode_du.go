package cwmp

// Argument writers of software-module management.

func (v *ChangeDUState) encodeDown(e *encoder) {
	for _, op := range v.Operations {
		e.raw(`<Operations xsi:type="cwmp:`)
		e.raw(op.OpType())
		e.raw(`">`)
		e.depth++
		switch o := op.(type) {
		case *InstallOpStruct:
			e.leaf("URL", o.URL)
			e.optional("UUID", o.UUID)
			e.optional("Username", o.Username)
			e.optional("Password", o.Password)
			e.optional("ExecutionEnvRef", o.ExecutionEnvRef)
		case *UpdateOpStruct:
			e.optional("UUID", o.UUID)
			e.optional("Version", o.Version)
			e.optional("URL", o.URL)
			e.optional("Username", o.Username)
			e.optional("Password", o.Password)
		case *UninstallOpStruct:
			e.leaf("UUID", o.UUID)
			e.optional("Version", o.Version)
			e.optional("ExecutionEnvRef", o.ExecutionEnvRef)
		}
		e.close("Operations")
	}
	e.optional("CommandKey", v.CommandKey)
}

func (v *ChangeDUStateResponse) encodeUp(*encoder) {}

func (e *encoder) opResult(r *OpResultStruct) {
	e.leaf("UUID", r.UUID)
	e.leaf("DeploymentUnitRef", r.DeploymentUnitRef)
	e.leaf("Version", r.Version)
	e.leaf("CurrentState", string(r.CurrentState))
	e.leafBool("Resolved", r.Resolved)
	e.leaf("ExecutionUnitRefList", r.ExecutionUnitRefList)
	e.leafTime("StartTime", r.StartTime)
	e.leafTime("CompleteTime", r.CompleteTime)
	e.open("Fault")
	e.leafUint("FaultCode", uint32(r.Fault.FaultCode))
	e.optional("FaultString", r.Fault.FaultString)
	e.close("Fault")
}

func (v *DUStateChangeComplete) encodeUp(e *encoder) {
	for i := range v.Results {
		e.open("Results")
		e.opResult(&v.Results[i])
		e.close("Results")
	}
	e.optional("CommandKey", v.CommandKey)
}

func (v *DUStateChangeCompleteResponse) encodeDown(*encoder) {}

func (v *AutonomousDUStateChangeComplete) encodeUp(e *encoder) {
	for i := range v.Results {
		r := &v.Results[i]
		e.open("Results")
		e.opResult(&r.OpResultStruct)
		e.leaf("OperationPerformed", string(r.OperationPerformed))
		e.close("Results")
	}
}

func (v *AutonomousDUStateChangeCompleteResponse) encodeDown(*encoder) {}
