using Xunit;

namespace Mesh.Grpc.Interop.Tests;

/// <summary>The official @grpc/grpc-js client against Mesh.Grpc's server.</summary>
public sealed class NodeClientToMeshServerTests(MeshServerFixture server) : IClassFixture<MeshServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public Task Case(string testCase) => InteropCases.RunClientAsync(InteropPeers.NodeClient(server.Port, testCase), server);
}

/// <summary>Mesh.Grpc's client against the official @grpc/grpc-js server.</summary>
public sealed class MeshClientToNodeServerTests(NodeServerFixture server) : IClassFixture<NodeServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public Task Case(string testCase) => InteropCases.RunClientAsync(InteropPeers.MeshClient(server.Port, testCase), server);
}

/// <summary>Mesh.Grpc's client against Mesh.Grpc's server.</summary>
public sealed class MeshClientToMeshServerTests(MeshServerFixture server) : IClassFixture<MeshServerFixture>
{
    [Theory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public Task Case(string testCase) => InteropCases.RunClientAsync(InteropPeers.MeshClient(server.Port, testCase), server);
}
