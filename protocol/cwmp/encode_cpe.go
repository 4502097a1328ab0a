package cwmp

import "encoding/base64"

// Argument writers of the methods a CPE handles (encodeDown: the ACS
// sends them) and their responses (encodeUp: the CPE sends them).

// Both sides call GetRPCMethods, so it and its response have both writers.

func (v *GetRPCMethods) encodeUp(*encoder)   {}
func (v *GetRPCMethods) encodeDown(*encoder) {}

func (v *GetRPCMethodsResponse) encodeUp(e *encoder)   { v.encodeDown(e) }
func (v *GetRPCMethodsResponse) encodeDown(e *encoder) { e.stringArray("MethodList", v.MethodList) }

func (v *SetParameterValues) encodeDown(e *encoder) {
	e.parameterValueList("ParameterList", v.ParameterList)
	e.leaf("ParameterKey", v.ParameterKey)
}

func (v *SetParameterValuesResponse) encodeUp(e *encoder) { e.leafInt("Status", v.Status) }

func (v *GetParameterValues) encodeDown(e *encoder) {
	e.stringArray("ParameterNames", v.ParameterNames)
}

func (v *GetParameterValuesResponse) encodeUp(e *encoder) {
	e.parameterValueList("ParameterList", v.ParameterList)
}

func (v *GetParameterNames) encodeDown(e *encoder) {
	e.leaf("ParameterPath", v.ParameterPath)
	e.leafBool("NextLevel", v.NextLevel)
}

func (v *GetParameterNamesResponse) encodeUp(e *encoder) {
	e.array("ParameterList", "cwmp:ParameterInfoStruct", len(v.ParameterList))
	for i := range v.ParameterList {
		p := &v.ParameterList[i]
		e.open("ParameterInfoStruct")
		e.leaf("Name", p.Name)
		e.leafBool("Writable", p.Writable)
		e.close("ParameterInfoStruct")
		e.maybeFlush()
	}
	e.closeArray("ParameterList")
}

func (v *SetParameterAttributes) encodeDown(e *encoder) {
	e.array("ParameterList", "cwmp:SetParameterAttributesStruct", len(v.ParameterList))
	for i := range v.ParameterList {
		p := &v.ParameterList[i]
		e.open("SetParameterAttributesStruct")
		e.leaf("Name", p.Name)
		e.leafBool("NotificationChange", p.NotificationChange)
		e.leafInt("Notification", int32(p.Notification))
		e.leafBool("AccessListChange", p.AccessListChange)
		e.stringArray("AccessList", p.AccessList)
		e.close("SetParameterAttributesStruct")
		e.maybeFlush()
	}
	e.closeArray("ParameterList")
}

func (v *SetParameterAttributesResponse) encodeUp(*encoder) {}

func (v *GetParameterAttributes) encodeDown(e *encoder) {
	e.stringArray("ParameterNames", v.ParameterNames)
}

func (v *GetParameterAttributesResponse) encodeUp(e *encoder) {
	e.array("ParameterList", "cwmp:ParameterAttributeStruct", len(v.ParameterList))
	for i := range v.ParameterList {
		p := &v.ParameterList[i]
		e.open("ParameterAttributeStruct")
		e.leaf("Name", p.Name)
		e.leafInt("Notification", int32(p.Notification))
		e.stringArray("AccessList", p.AccessList)
		e.close("ParameterAttributeStruct")
		e.maybeFlush()
	}
	e.closeArray("ParameterList")
}

func (v *AddObject) encodeDown(e *encoder) {
	e.leaf("ObjectName", v.ObjectName)
	e.leaf("ParameterKey", v.ParameterKey)
}

func (v *AddObjectResponse) encodeUp(e *encoder) {
	e.leafUint("InstanceNumber", v.InstanceNumber)
	e.leafInt("Status", v.Status)
}

func (v *DeleteObject) encodeDown(e *encoder) {
	e.leaf("ObjectName", v.ObjectName)
	e.leaf("ParameterKey", v.ParameterKey)
}

func (v *DeleteObjectResponse) encodeUp(e *encoder) { e.leafInt("Status", v.Status) }

func (v *Download) encodeDown(e *encoder) {
	e.leaf("CommandKey", v.CommandKey)
	e.leaf("FileType", string(v.FileType))
	e.leaf("URL", v.URL)
	e.leaf("Username", v.Username)
	e.leaf("Password", v.Password)
	e.leafUint("FileSize", v.FileSize)
	e.leaf("TargetFileName", v.TargetFileName)
	e.leafUint("DelaySeconds", v.DelaySeconds)
	e.leaf("SuccessURL", v.SuccessURL)
	e.leaf("FailureURL", v.FailureURL)
}

func (v *DownloadResponse) encodeUp(e *encoder) {
	e.leafInt("Status", v.Status)
	e.leafTime("StartTime", v.StartTime)
	e.leafTime("CompleteTime", v.CompleteTime)
}

func (v *Reboot) encodeDown(e *encoder)           { e.leaf("CommandKey", v.CommandKey) }
func (v *RebootResponse) encodeUp(*encoder)       {}
func (v *GetQueuedTransfers) encodeDown(*encoder) {}

func (v *GetQueuedTransfersResponse) encodeUp(e *encoder) {
	e.array("TransferList", "cwmp:QueuedTransferStruct", len(v.TransferList))
	for i := range v.TransferList {
		t := &v.TransferList[i]
		e.open("QueuedTransferStruct")
		e.leaf("CommandKey", t.CommandKey)
		e.leafInt("State", int32(t.State))
		e.close("QueuedTransferStruct")
	}
	e.closeArray("TransferList")
}

func (v *ScheduleInform) encodeDown(e *encoder) {
	e.leafUint("DelaySeconds", v.DelaySeconds)
	e.leaf("CommandKey", v.CommandKey)
}

func (v *ScheduleInformResponse) encodeUp(*encoder) {}

func (v *SetVouchers) encodeDown(e *encoder) {
	e.array("VoucherList", "soap-enc:base64", len(v.VoucherList))
	for _, b := range v.VoucherList {
		e.leaf("base64", base64.StdEncoding.EncodeToString(b))
	}
	e.closeArray("VoucherList")
}

func (v *SetVouchersResponse) encodeUp(*encoder) {}

func (v *GetOptions) encodeDown(e *encoder) { e.leaf("OptionName", v.OptionName) }

func (v *GetOptionsResponse) encodeUp(e *encoder) {
	e.array("OptionList", "cwmp:OptionStruct", len(v.OptionList))
	for i := range v.OptionList {
		o := &v.OptionList[i]
		e.open("OptionStruct")
		e.leaf("OptionName", o.OptionName)
		e.leafUint("VoucherSN", o.VoucherSN)
		e.leafUint("State", o.State)
		e.leafInt("Mode", o.Mode)
		e.leafTime("StartDate", o.StartDate)
		if o.ExpirationDate != "" {
			e.leaf("ExpirationDate", string(o.ExpirationDate))
		}
		e.leafInt("IsTransferable", o.IsTransferable)
		e.close("OptionStruct")
	}
	e.closeArray("OptionList")
}

func (v *Upload) encodeDown(e *encoder) {
	e.leaf("CommandKey", v.CommandKey)
	e.leaf("FileType", string(v.FileType))
	e.leaf("URL", v.URL)
	e.leaf("Username", v.Username)
	e.leaf("Password", v.Password)
	e.leafUint("DelaySeconds", v.DelaySeconds)
}

func (v *UploadResponse) encodeUp(e *encoder) {
	e.leafInt("Status", v.Status)
	e.leafTime("StartTime", v.StartTime)
	e.leafTime("CompleteTime", v.CompleteTime)
}

func (v *FactoryReset) encodeDown(*encoder)          {}
func (v *FactoryResetResponse) encodeUp(*encoder)    {}
func (v *GetAllQueuedTransfers) encodeDown(*encoder) {}

func (v *GetAllQueuedTransfersResponse) encodeUp(e *encoder) {
	e.array("TransferList", "cwmp:AllQueuedTransferStruct", len(v.TransferList))
	for i := range v.TransferList {
		t := &v.TransferList[i]
		e.open("AllQueuedTransferStruct")
		e.leaf("CommandKey", t.CommandKey)
		e.leafInt("State", int32(t.State))
		e.leafBool("IsDownload", t.IsDownload)
		e.leaf("FileType", string(t.FileType))
		e.leafUint("FileSize", t.FileSize)
		e.leaf("TargetFileName", t.TargetFileName)
		e.close("AllQueuedTransferStruct")
	}
	e.closeArray("TransferList")
}

func (v *ScheduleDownload) encodeDown(e *encoder) {
	e.leaf("CommandKey", v.CommandKey)
	e.leaf("FileType", string(v.FileType))
	e.leaf("URL", v.URL)
	e.leaf("Username", v.Username)
	e.leaf("Password", v.Password)
	e.leafUint("FileSize", v.FileSize)
	e.leaf("TargetFileName", v.TargetFileName)
	e.array("TimeWindowList", "cwmp:TimeWindowStruct", len(v.TimeWindowList))
	for i := range v.TimeWindowList {
		w := &v.TimeWindowList[i]
		e.open("TimeWindowStruct")
		e.leafUint("WindowStart", w.WindowStart)
		e.leafUint("WindowEnd", w.WindowEnd)
		e.leaf("WindowMode", string(w.WindowMode))
		e.leaf("UserMessage", w.UserMessage)
		e.leafInt("MaxRetries", w.MaxRetries)
		e.close("TimeWindowStruct")
	}
	e.closeArray("TimeWindowList")
}

func (v *ScheduleDownloadResponse) encodeUp(*encoder) {}

func (v *CancelTransfer) encodeDown(e *encoder)     { e.leaf("CommandKey", v.CommandKey) }
func (v *CancelTransferResponse) encodeUp(*encoder) {}
