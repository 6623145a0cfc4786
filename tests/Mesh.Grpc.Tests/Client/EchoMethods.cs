using Mesh.Grpc;

namespace Mesh.Grpc.Tests.Client;

/// <summary>Hand-written descriptors for the string-message echo service (tests/node/echo-server.js and the raw servers).</summary>
internal static class EchoMethods
{
    public const string Service = "mesh.test.Echo";
    private static readonly Marshaller<string> Text = Marshallers.StringMarshaller;

    public static readonly Method<string, string> Unary = new(MethodType.Unary, Service, "Unary", Text, Text);
    public static readonly Method<string, string> ServerStream = new(MethodType.ServerStreaming, Service, "ServerStream", Text, Text);
    public static readonly Method<string, string> ClientStream = new(MethodType.ClientStreaming, Service, "ClientStream", Text, Text);
    public static readonly Method<string, string> Duplex = new(MethodType.DuplexStreaming, Service, "Duplex", Text, Text);
    public static readonly Method<string, string> Missing = new(MethodType.Unary, Service, "NoSuchMethod", Text, Text);
}
