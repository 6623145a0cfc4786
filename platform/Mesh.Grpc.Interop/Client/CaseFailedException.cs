namespace Mesh.Grpc.Interop.Client;

/// <summary>An assertion of an interop case did not hold; the message says which and what was seen.</summary>
public sealed class CaseFailedException(string message) : Exception(message);
