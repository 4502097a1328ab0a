package cwmp

import "github.com/beevik/etree"

// Decoders of the methods a CPE handles and their responses.

func decodeGetRPCMethodsResponse(d *decoder, el *etree.Element) Body {
	v := &GetRPCMethodsResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "MethodList" {
			v.MethodList = d.strings(c)
		}
	}
	return v
}

func decodeSetParameterValues(d *decoder, el *etree.Element) Body {
	v := &SetParameterValues{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "ParameterList":
			v.ParameterList = d.parameterValues(c)
		case "ParameterKey":
			v.ParameterKey = str(c)
		}
	}
	return v
}

func decodeSetParameterValuesResponse(d *decoder, el *etree.Element) Body {
	v := &SetParameterValuesResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "Status" {
			v.Status = d.int32(c)
		}
	}
	return v
}

func decodeGetParameterValues(d *decoder, el *etree.Element) Body {
	v := &GetParameterValues{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "ParameterNames" {
			v.ParameterNames = d.strings(c)
		}
	}
	return v
}

func decodeGetParameterValuesResponse(d *decoder, el *etree.Element) Body {
	v := &GetParameterValuesResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "ParameterList" {
			v.ParameterList = d.parameterValues(c)
		}
	}
	return v
}

func decodeGetParameterNames(d *decoder, el *etree.Element) Body {
	v := &GetParameterNames{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "ParameterPath":
			v.ParameterPath = str(c)
		case "NextLevel":
			v.NextLevel = d.boolean(c)
		}
	}
	return v
}

func decodeGetParameterNamesResponse(d *decoder, el *etree.Element) Body {
	v := &GetParameterNamesResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "ParameterList" {
			v.ParameterList = arrayOf(d, c, func(d *decoder, el *etree.Element, p *ParameterInfoStruct) {
				for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
					switch c.Tag {
					case "Name":
						p.Name = str(c)
					case "Writable":
						p.Writable = d.boolean(c)
					}
				}
			})
		}
	}
	return v
}

func decodeSetParameterAttributes(d *decoder, el *etree.Element) Body {
	v := &SetParameterAttributes{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "ParameterList" {
			v.ParameterList = arrayOf(d, c, func(d *decoder, el *etree.Element, p *SetParameterAttributesStruct) {
				for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
					switch c.Tag {
					case "Name":
						p.Name = str(c)
					case "NotificationChange":
						p.NotificationChange = d.boolean(c)
					case "Notification":
						p.Notification = Notification(d.int32(c))
					case "AccessListChange":
						p.AccessListChange = d.boolean(c)
					case "AccessList":
						p.AccessList = d.strings(c)
					}
				}
			})
		}
	}
	return v
}

func decodeGetParameterAttributes(d *decoder, el *etree.Element) Body {
	v := &GetParameterAttributes{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "ParameterNames" {
			v.ParameterNames = d.strings(c)
		}
	}
	return v
}

func decodeGetParameterAttributesResponse(d *decoder, el *etree.Element) Body {
	v := &GetParameterAttributesResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "ParameterList" {
			v.ParameterList = arrayOf(d, c, func(d *decoder, el *etree.Element, p *ParameterAttributeStruct) {
				for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
					switch c.Tag {
					case "Name":
						p.Name = str(c)
					case "Notification":
						p.Notification = Notification(d.int32(c))
					case "AccessList":
						p.AccessList = d.strings(c)
					}
				}
			})
		}
	}
	return v
}

func decodeAddObject(_ *decoder, el *etree.Element) Body {
	v := &AddObject{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "ObjectName":
			v.ObjectName = str(c)
		case "ParameterKey":
			v.ParameterKey = str(c)
		}
	}
	return v
}

func decodeAddObjectResponse(d *decoder, el *etree.Element) Body {
	v := &AddObjectResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "InstanceNumber":
			v.InstanceNumber = d.uint32(c)
		case "Status":
			v.Status = d.int32(c)
		}
	}
	return v
}

func decodeDeleteObject(_ *decoder, el *etree.Element) Body {
	v := &DeleteObject{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "ObjectName":
			v.ObjectName = str(c)
		case "ParameterKey":
			v.ParameterKey = str(c)
		}
	}
	return v
}

func decodeDeleteObjectResponse(d *decoder, el *etree.Element) Body {
	v := &DeleteObjectResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "Status" {
			v.Status = d.int32(c)
		}
	}
	return v
}

func decodeDownload(d *decoder, el *etree.Element) Body {
	v := &Download{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "CommandKey":
			v.CommandKey = str(c)
		case "FileType":
			v.FileType = FileType(str(c))
		case "URL":
			v.URL = str(c)
		case "Username":
			v.Username = text(c)
		case "Password":
			v.Password = text(c)
		case "FileSize":
			v.FileSize = d.uint32(c)
		case "TargetFileName":
			v.TargetFileName = str(c)
		case "DelaySeconds":
			v.DelaySeconds = d.uint32(c)
		case "SuccessURL":
			v.SuccessURL = str(c)
		case "FailureURL":
			v.FailureURL = str(c)
		}
	}
	return v
}

func decodeDownloadResponse(d *decoder, el *etree.Element) Body {
	v := &DownloadResponse{StartTime: UnknownTime, CompleteTime: UnknownTime}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "Status":
			v.Status = d.int32(c)
		case "StartTime":
			v.StartTime = d.dateTime(c)
		case "CompleteTime":
			v.CompleteTime = d.dateTime(c)
		}
	}
	return v
}

func decodeReboot(_ *decoder, el *etree.Element) Body {
	v := &Reboot{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "CommandKey" {
			v.CommandKey = str(c)
		}
	}
	return v
}

func decodeGetQueuedTransfersResponse(d *decoder, el *etree.Element) Body {
	v := &GetQueuedTransfersResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "TransferList" {
			v.TransferList = arrayOf(d, c, func(d *decoder, el *etree.Element, t *QueuedTransferStruct) {
				for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
					switch c.Tag {
					case "CommandKey":
						t.CommandKey = str(c)
					case "State":
						t.State = TransferState(d.int32(c))
					}
				}
			})
		}
	}
	return v
}

func decodeScheduleInform(d *decoder, el *etree.Element) Body {
	v := &ScheduleInform{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "DelaySeconds":
			v.DelaySeconds = d.uint32(c)
		case "CommandKey":
			v.CommandKey = str(c)
		}
	}
	return v
}

func decodeSetVouchers(d *decoder, el *etree.Element) Body {
	v := &SetVouchers{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "VoucherList" {
			v.VoucherList = arrayOf(d, c, func(d *decoder, el *etree.Element, b *[]byte) { *b = d.base64(el) })
		}
	}
	return v
}

func decodeGetOptions(_ *decoder, el *etree.Element) Body {
	v := &GetOptions{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "OptionName" {
			v.OptionName = str(c)
		}
	}
	return v
}

func decodeGetOptionsResponse(d *decoder, el *etree.Element) Body {
	v := &GetOptionsResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "OptionList" {
			v.OptionList = arrayOf(d, c, func(d *decoder, el *etree.Element, o *OptionStruct) {
				o.StartDate = UnknownTime
				for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
					switch c.Tag {
					case "OptionName":
						o.OptionName = str(c)
					case "VoucherSN":
						o.VoucherSN = d.uint32(c)
					case "State":
						o.State = d.uint32(c)
					case "Mode":
						o.Mode = d.int32(c)
					case "StartDate":
						o.StartDate = d.dateTime(c)
					case "ExpirationDate":
						o.ExpirationDate = d.dateTime(c)
					case "IsTransferable":
						o.IsTransferable = d.int32(c)
					}
				}
			})
		}
	}
	return v
}

func decodeUpload(d *decoder, el *etree.Element) Body {
	v := &Upload{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "CommandKey":
			v.CommandKey = str(c)
		case "FileType":
			v.FileType = FileType(str(c))
		case "URL":
			v.URL = str(c)
		case "Username":
			v.Username = text(c)
		case "Password":
			v.Password = text(c)
		case "DelaySeconds":
			v.DelaySeconds = d.uint32(c)
		}
	}
	return v
}

func decodeUploadResponse(d *decoder, el *etree.Element) Body {
	r := decodeDownloadResponse(d, el).(*DownloadResponse)
	return &UploadResponse{Status: r.Status, StartTime: r.StartTime, CompleteTime: r.CompleteTime}
}

func decodeGetAllQueuedTransfersResponse(d *decoder, el *etree.Element) Body {
	v := &GetAllQueuedTransfersResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "TransferList" {
			v.TransferList = arrayOf(d, c, func(d *decoder, el *etree.Element, t *AllQueuedTransferStruct) {
				for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
					switch c.Tag {
					case "CommandKey":
						t.CommandKey = str(c)
					case "State":
						t.State = TransferState(d.int32(c))
					case "IsDownload":
						t.IsDownload = d.boolean(c)
					case "FileType":
						t.FileType = FileType(str(c))
					case "FileSize":
						t.FileSize = d.uint32(c)
					case "TargetFileName":
						t.TargetFileName = str(c)
					}
				}
			})
		}
	}
	return v
}

func decodeScheduleDownload(d *decoder, el *etree.Element) Body {
	v := &ScheduleDownload{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "CommandKey":
			v.CommandKey = str(c)
		case "FileType":
			v.FileType = FileType(str(c))
		case "URL":
			v.URL = str(c)
		case "Username":
			v.Username = text(c)
		case "Password":
			v.Password = text(c)
		case "FileSize":
			v.FileSize = d.uint32(c)
		case "TargetFileName":
			v.TargetFileName = str(c)
		case "TimeWindowList":
			v.TimeWindowList = arrayOf(d, c, func(d *decoder, el *etree.Element, w *TimeWindowStruct) {
				for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
					switch c.Tag {
					case "WindowStart":
						w.WindowStart = d.uint32(c)
					case "WindowEnd":
						w.WindowEnd = d.uint32(c)
					case "WindowMode":
						w.WindowMode = TimeWindowMode(str(c))
					case "UserMessage":
						w.UserMessage = str(c)
					case "MaxRetries":
						w.MaxRetries = d.int32(c)
					}
				}
			})
		}
	}
	return v
}

func decodeCancelTransfer(_ *decoder, el *etree.Element) Body {
	v := &CancelTransfer{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "CommandKey" {
			v.CommandKey = str(c)
		}
	}
	return v
}
