namespace Mesh.Grpc.Generator;

/// <summary>A problem in the input that the plugin reports to protoc instead of crashing.</summary>
public sealed class GeneratorException(string message) : Exception(message);
