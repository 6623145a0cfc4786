using Google.Protobuf;
using Google.Protobuf.Compiler;
using Mesh.Grpc.Generator;

// protoc plugin protocol: one CodeGeneratorRequest on stdin, one CodeGeneratorResponse on stdout.
// Anything else written to stdout would corrupt the response, so diagnostics go to the response's
// error field (protoc prints it and fails the build).
CodeGeneratorResponse response;
try
{
    using var stdin = Console.OpenStandardInput();
    var request = CodeGeneratorRequest.Parser.ParseFrom(stdin);
    response = GrpcCodeGenerator.Generate(request);
}
catch (Exception ex) when (ex is InvalidProtocolBufferException or GeneratorException)
{
    response = new CodeGeneratorResponse { Error = "Mesh.Grpc.Generator: " + ex.Message };
}

using (var stdout = Console.OpenStandardOutput())
{
    response.WriteTo(stdout);
}
return 0;
