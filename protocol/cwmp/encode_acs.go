package cwmp

// Argument writers of the methods an ACS handles (encodeUp: the CPE sends
// them) and their responses (encodeDown: the ACS sends them).

func (e *encoder) faultStruct(f *FaultStruct) {
	e.open("FaultStruct")
	e.leafUint("FaultCode", uint32(f.FaultCode))
	e.leaf("FaultString", f.FaultString)
	e.close("FaultStruct")
}

func (v *Inform) encodeUp(e *encoder) {
	e.open("DeviceId")
	e.leaf("Manufacturer", v.DeviceId.Manufacturer)
	e.leaf("OUI", v.DeviceId.OUI)
	e.leaf("ProductClass", v.DeviceId.ProductClass)
	e.leaf("SerialNumber", v.DeviceId.SerialNumber)
	e.close("DeviceId")
	e.array("Event", "cwmp:EventStruct", len(v.Event))
	for i := range v.Event {
		e.open("EventStruct")
		e.leaf("EventCode", string(v.Event[i].EventCode))
		e.leaf("CommandKey", v.Event[i].CommandKey)
		e.close("EventStruct")
	}
	e.closeArray("Event")
	e.leafUint("MaxEnvelopes", v.MaxEnvelopes)
	e.leafTime("CurrentTime", v.CurrentTime)
	e.leafUint("RetryCount", v.RetryCount)
	e.parameterValueList("ParameterList", v.ParameterList)
}

func (v *InformResponse) encodeDown(e *encoder) { e.leafUint("MaxEnvelopes", v.MaxEnvelopes) }

func (v *TransferComplete) encodeUp(e *encoder) {
	e.leaf("CommandKey", v.CommandKey)
	e.faultStruct(&v.FaultStruct)
	e.leafTime("StartTime", v.StartTime)
	e.leafTime("CompleteTime", v.CompleteTime)
}

func (v *TransferCompleteResponse) encodeDown(*encoder) {}

func (v *AutonomousTransferComplete) encodeUp(e *encoder) {
	e.leaf("AnnounceURL", v.AnnounceURL)
	e.leaf("TransferURL", v.TransferURL)
	e.leafBool("IsDownload", v.IsDownload)
	e.leaf("FileType", string(v.FileType))
	e.leafUint("FileSize", v.FileSize)
	e.leaf("TargetFileName", v.TargetFileName)
	e.faultStruct(&v.FaultStruct)
	e.leafTime("StartTime", v.StartTime)
	e.leafTime("CompleteTime", v.CompleteTime)
}

func (v *AutonomousTransferCompleteResponse) encodeDown(*encoder) {}

func (v *Kicked) encodeUp(e *encoder) {
	e.leaf("Command", v.Command)
	e.leaf("Referer", v.Referer)
	e.leaf("Arg", v.Arg)
	e.leaf("Next", v.Next)
}

func (v *KickedResponse) encodeDown(e *encoder) { e.leaf("NextURL", v.NextURL) }

func (v *RequestDownload) encodeUp(e *encoder) {
	e.leaf("FileType", string(v.FileType))
	e.array("FileTypeArg", "cwmp:ArgStruct", len(v.FileTypeArg))
	for i := range v.FileTypeArg {
		e.open("ArgStruct")
		e.leaf("Name", v.FileTypeArg[i].Name)
		e.leaf("Value", v.FileTypeArg[i].Value)
		e.close("ArgStruct")
	}
	e.closeArray("FileTypeArg")
}

func (v *RequestDownloadResponse) encodeDown(*encoder) {}
