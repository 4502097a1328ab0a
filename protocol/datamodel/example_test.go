package datamodel_test

import (
	"fmt"

	"gatewarden/protocol/datamodel"
)

func ExampleSchema_Lookup() {
	n, ok := datamodel.TR181().Lookup("Device.IP.Interface.3.IPv4Address.1.IPAddress")
	fmt.Println(ok, n.Path())
	fmt.Println(n.Type().DataType(), n.XSDType(), n.Writable())
	// Output:
	// true Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress
	// IPv4Address xsd:string true
}

func ExampleNode_ValidateSet() {
	n, _ := datamodel.TR181().Lookup("Device.ManagementServer.PeriodicInformInterval")
	for _, v := range []string{"300", "0", "soon"} {
		err := n.ValidateSet(v)
		fmt.Println(v, datamodel.FaultCode(err), err)
	}
	// Output:
	// 300 0 <nil>
	// 0 9007 invalid parameter value "0" for unsignedInt[1:]: outside the allowed range
	// soon 9006 invalid parameter type "soon" for unsignedInt[1:]: not an integer
}

func ExampleParsePath() {
	p, _ := datamodel.ParsePath("Device.WiFi.SSID.2.Stats.BytesSent")
	fmt.Println(p.Template(), p.Parent(), p.AppendInstances(nil))
	// Output:
	// Device.WiFi.SSID.{i}.Stats.BytesSent Device.WiFi.SSID.2.Stats. [2]
}

func ExampleDeviceID() {
	id := datamodel.DeviceID{OUI: "00259E", ProductClass: "HG-8245", SerialNumber: "SN 1"}
	fmt.Println(id, id.URLPath())
	back, err := datamodel.ParseDeviceID(id.String())
	fmt.Println(back == id, err)
	// Output:
	// 00259E-HG%2D8245-SN%201 00259E-HG%252D8245-SN%25201
	// true <nil>
}
