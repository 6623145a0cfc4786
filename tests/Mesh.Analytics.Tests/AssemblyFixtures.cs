using Mesh.Testing;

[assembly: AssemblyFixture(typeof(TestServers))]
