using Mesh.Grpc.Tests.Server.Support;
using Xunit;
namespace Mesh.Grpc.Tests.Framing;
public sealed class DebugTmp
{
    [Fact]
    public async Task Dump()
    {
        await using var server = await GrpcTestServer.StartAsync();
        var reply = await RawGrpc.CallAsync(server.Client, TestServiceBase.EchoMethod.FullName, RawGrpc.Frame("hi"));
        var logs = string.Join("\n", server.Logs.Snapshot().Select(l => l.Level + " " + l.Category + " " + l.Message + " " + l.Exception));
        Assert.Fail($"{reply.HttpStatus} H:{string.Join(";", reply.Headers.Select(h => h.Key + "=" + h.Value))} T:{string.Join(";", reply.Trailers.Select(h => h.Key + "=" + h.Value))} M:{reply.Messages.Count}\n{logs}");
    }
}
