package cwmp

import "encoding/base64"

// Argument writers of the methods a CPE handles and their responses.

func (v *GetRPCMethods) encodeArgs(*encoder) {}

func (v *GetRPCMethodsResponse) encodeArgs(e *encoder) { e.stringArray("MethodList", v.MethodList) }

func (v *SetParameterValues) encodeArgs(e *encoder) {
	e.parameterValueList("ParameterList", v.ParameterList)
	e.leaf("ParameterKey", v.ParameterKey)
}

func (v *SetParameterValuesResponse) encodeArgs(e *encoder) { e.leafInt("Status", v.Status) }

func (v *GetParameterValues) encodeArgs(e *encoder) {
	e.stringArray("ParameterNames", v.ParameterNames)
}

func (v *GetParameterValuesResponse) encodeArgs(e *encoder) {
	e.parameterValueList("ParameterList", v.ParameterList)
}

func (v *GetParameterNames) encodeArgs(e *encoder) {
	e.leaf("ParameterPath", v.ParameterPath)
	e.leafBool("NextLevel", v.NextLevel)
}

func (v *GetParameterNamesResponse) encodeArgs(e *encoder) {
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

func (v *SetParameterAttributes) encodeArgs(e *encoder) {
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

func (v *SetParameterAttributesResponse) encodeArgs(*encoder) {}

func (v *GetParameterAttributes) encodeArgs(e *encoder) {
	e.stringArray("ParameterNames", v.ParameterNames)
}

func (v *GetParameterAttributesResponse) encodeArgs(e *encoder) {
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

func (v *AddObject) encodeArgs(e *encoder) {
	e.leaf("ObjectName", v.ObjectName)
	e.leaf("ParameterKey", v.ParameterKey)
}

func (v *AddObjectResponse) encodeArgs(e *encoder) {
	e.leafUint("InstanceNumber", v.InstanceNumber)
	e.leafInt("Status", v.Status)
}

func (v *DeleteObject) encodeArgs(e *encoder) {
	e.leaf("ObjectName", v.ObjectName)
	e.leaf("ParameterKey", v.ParameterKey)
}

func (v *DeleteObjectResponse) encodeArgs(e *encoder) { e.leafInt("Status", v.Status) }

func (v *Download) encodeArgs(e *encoder) {
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

func (v *DownloadResponse) encodeArgs(e *encoder) {
	e.leafInt("Status", v.Status)
	e.leafTime("StartTime", v.StartTime)
	e.leafTime("CompleteTime", v.CompleteTime)
}

func (v *Reboot) encodeArgs(e *encoder)           { e.leaf("CommandKey", v.CommandKey) }
func (v *RebootResponse) encodeArgs(*encoder)     {}
func (v *GetQueuedTransfers) encodeArgs(*encoder) {}

func (v *GetQueuedTransfersResponse) encodeArgs(e *encoder) {
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

func (v *ScheduleInform) encodeArgs(e *encoder) {
	e.leafUint("DelaySeconds", v.DelaySeconds)
	e.leaf("CommandKey", v.CommandKey)
}

func (v *ScheduleInformResponse) encodeArgs(*encoder) {}

func (v *SetVouchers) encodeArgs(e *encoder) {
	e.array("VoucherList", "soap-enc:base64", len(v.VoucherList))
	for _, b := range v.VoucherList {
		e.leaf("base64", base64.StdEncoding.EncodeToString(b))
	}
	e.closeArray("VoucherList")
}

func (v *SetVouchersResponse) encodeArgs(*encoder) {}

func (v *GetOptions) encodeArgs(e *encoder) { e.leaf("OptionName", v.OptionName) }

func (v *GetOptionsResponse) encodeArgs(e *encoder) {
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

func (v *Upload) encodeArgs(e *encoder) {
	e.leaf("CommandKey", v.CommandKey)
	e.leaf("FileType", string(v.FileType))
	e.leaf("URL", v.URL)
	e.leaf("Username", v.Username)
	e.leaf("Password", v.Password)
	e.leafUint("DelaySeconds", v.DelaySeconds)
}

func (v *UploadResponse) encodeArgs(e *encoder) {
	e.leafInt("Status", v.Status)
	e.leafTime("StartTime", v.StartTime)
	e.leafTime("CompleteTime", v.CompleteTime)
}

func (v *FactoryReset) encodeArgs(*encoder)          {}
func (v *FactoryResetResponse) encodeArgs(*encoder)  {}
func (v *GetAllQueuedTransfers) encodeArgs(*encoder) {}

func (v *GetAllQueuedTransfersResponse) encodeArgs(e *encoder) {
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

func (v *ScheduleDownload) encodeArgs(e *encoder) {
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

func (v *ScheduleDownloadResponse) encodeArgs(*encoder) {}

func (v *CancelTransfer) encodeArgs(e *encoder)       { e.leaf("CommandKey", v.CommandKey) }
func (v *CancelTransferResponse) encodeArgs(*encoder) {}
