namespace Mesh.Grpc.Generator;

/// <summary>
/// Emits one service: the static class with method descriptors, the abstract base servers derive
/// from, BindService, and the typed client. Shapes follow grpc-dotnet's generated code (with
/// Mesh.Grpc in place of Grpc.Core) so a later swap back is mechanical. All type names are
/// global::-qualified so user types with the same simple names cannot capture them.
/// </summary>
public sealed class ServiceEmitter
{
    private const string Grpc = "global::Mesh.Grpc.";
    private const string Tasks = "global::System.Threading.Tasks.";
    private const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"Mesh.Grpc.Generator\", null)]";

    private readonly CodeWriter _w;
    private readonly ServiceModel _service;
    private readonly GeneratorOptions _options;
    private readonly DocComments _docs;

    public ServiceEmitter(CodeWriter writer, ServiceModel service, GeneratorOptions options, DocComments docs)
    {
        _w = writer;
        _service = service;
        _options = options;
        _docs = docs;
    }

    public void Emit()
    {
        _docs.WriteForService(_w, _service.Index);
        _w.Open($"{_options.Access} static partial class {_service.Name}");
        EmitDescriptors();
        if (_options.GenerateServer)
        {
            _w.Line();
            EmitServerBase();
        }
        if (_options.GenerateClient)
        {
            _w.Line();
            EmitClient();
        }
        if (_options.GenerateServer)
        {
            _w.Line();
            EmitBindService();
        }
        _w.Close();
    }

    private void EmitDescriptors()
    {
        _w.Line($"/// <summary>The full name of the service, \"{_service.FullName}\".</summary>");
        _w.Line($"public const string __ServiceName = \"{_service.FullName}\";");
        _w.Line();

        foreach (var type in _service.Methods.SelectMany(m => new[] { m.RequestType, m.ResponseType }).Distinct())
        {
            _w.Line(GeneratedCode);
            _w.Line($"private static readonly {Grpc}Marshaller<{type}> {MarshallerField(type)} = {Grpc}Marshallers.ForMessage({type}.Parser);");
        }
        _w.Line();

        foreach (var m in _service.Methods)
        {
            _w.Line(GeneratedCode);
            _w.Line($"public static readonly {Grpc}Method<{m.RequestType}, {m.ResponseType}> {m.DescriptorField} = new {Grpc}Method<{m.RequestType}, {m.ResponseType}>(");
            _w.Line($"    {Grpc}MethodType.{m.MethodTypeName},");
            _w.Line("    __ServiceName,");
            _w.Line($"    \"{m.Name}\",");
            _w.Line($"    {MarshallerField(m.RequestType)},");
            _w.Line($"    {MarshallerField(m.ResponseType)},");
            _w.Line($"    {Grpc}IdempotencyLevel.{m.IdempotencyLevelName});");
            _w.Line();
        }

        _w.Line("/// <summary>The service's descriptor, from the file's reflection class (used by server reflection).</summary>");
        _w.Line($"public static global::Google.Protobuf.Reflection.ServiceDescriptor Descriptor => {_service.ReflectionClass}.Descriptor.Services[{_service.Index}];");
        _w.Line();

        // Declared after the method fields: static initialisers run in textual order.
        _w.Line("/// <summary>Every method of the service, in declaration order.</summary>");
        _w.Line($"public static global::System.Collections.Generic.IReadOnlyList<{Grpc}IMethod> Methods {{ get; }} = new {Grpc}IMethod[]");
        _w.Line("{");
        foreach (var m in _service.Methods) _w.Line($"    {m.DescriptorField},");
        _w.Line("};");
    }

    private void EmitServerBase()
    {
        _w.Line($"/// <summary>Base class for server-side implementations of {_service.FullName}.</summary>");
        _w.Line($"[{Grpc}BindServiceMethod(typeof({_service.Name}), \"BindService\")]");
        _w.Open($"public abstract partial class {_service.Name}Base");
        var first = true;
        foreach (var m in _service.Methods)
        {
            if (!first) _w.Line();
            first = false;
            _docs.WriteForMethod(_w, _service.Index, m.Index);
            WriteAttributes(m);
            _w.Open($"public virtual {ServerSignature(m)}");
            _w.Line($"throw new {Grpc}RpcException(new {Grpc}Status({Grpc}StatusCode.Unimplemented, \"\"));");
            _w.Close();
        }
        _w.Close();
    }

    private static string ServerSignature(RpcMethod m)
    {
        var reader = $"{Grpc}IAsyncStreamReader<{m.RequestType}> requestStream";
        var writer = $"{Grpc}IServerStreamWriter<{m.ResponseType}> responseStream";
        var context = $"{Grpc}ServerCallContext context";
        return (m.ClientStreaming, m.ServerStreaming) switch
        {
            (false, false) => $"{Tasks}Task<{m.ResponseType}> {m.Name}({m.RequestType} request, {context})",
            (true, false) => $"{Tasks}Task<{m.ResponseType}> {m.Name}({reader}, {context})",
            (false, true) => $"{Tasks}Task {m.Name}({m.RequestType} request, {writer}, {context})",
            (true, true) => $"{Tasks}Task {m.Name}({reader}, {writer}, {context})",
        };
    }

    private void EmitClient()
    {
        var client = _service.Name + "Client";
        _w.Line($"/// <summary>Client for {_service.FullName}.</summary>");
        _w.Open($"public partial class {client} : {Grpc}ClientBase<{client}>");
        _w.Line("/// <summary>Creates a client that starts its calls through <paramref name=\"callInvoker\"/>.</summary>");
        _w.Open($"public {client}({Grpc}CallInvoker callInvoker) : base(callInvoker)");
        _w.Close();
        _w.Line("/// <summary>Creates a client that calls through <paramref name=\"channel\"/>'s invoker.</summary>");
        _w.Open($"public {client}({Grpc}ChannelBase channel) : base(channel)");
        _w.Close();
        foreach (var m in _service.Methods)
        {
            switch (m.ClientStreaming, m.ServerStreaming)
            {
                case (false, false):
                    EmitClientPair(m, m.Name, m.ResponseType, hasRequest: true, $"CallInvoker.BlockingUnaryCall({m.DescriptorField}, null, options, request)");
                    EmitClientPair(m, m.Name + "Async", $"{Grpc}AsyncUnaryCall<{m.ResponseType}>", hasRequest: true, $"CallInvoker.AsyncUnaryCall({m.DescriptorField}, null, options, request)");
                    break;
                case (false, true):
                    EmitClientPair(m, m.Name, $"{Grpc}AsyncServerStreamingCall<{m.ResponseType}>", hasRequest: true, $"CallInvoker.AsyncServerStreamingCall({m.DescriptorField}, null, options, request)");
                    break;
                case (true, false):
                    EmitClientPair(m, m.Name, $"{Grpc}AsyncClientStreamingCall<{m.RequestType}, {m.ResponseType}>", hasRequest: false, $"CallInvoker.AsyncClientStreamingCall({m.DescriptorField}, null, options)");
                    break;
                case (true, true):
                    EmitClientPair(m, m.Name, $"{Grpc}AsyncDuplexStreamingCall<{m.RequestType}, {m.ResponseType}>", hasRequest: false, $"CallInvoker.AsyncDuplexStreamingCall({m.DescriptorField}, null, options)");
                    break;
            }
        }
        _w.Close();
    }

    /// <summary>The two overloads grpc-dotnet clients have: loose headers/deadline/token, and CallOptions.</summary>
    private void EmitClientPair(RpcMethod m, string name, string returnType, bool hasRequest, string invocation)
    {
        var requestParameter = hasRequest ? $"{m.RequestType} request, " : "";
        var requestArgument = hasRequest ? "request, " : "";

        _w.Line();
        _docs.WriteForMethod(_w, _service.Index, m.Index);
        WriteAttributes(m);
        _w.Open($"public virtual {returnType} {name}({requestParameter}{Grpc}Metadata? headers = null, global::System.DateTime? deadline = null, global::System.Threading.CancellationToken cancellationToken = default)");
        _w.Line($"return {name}({requestArgument}new {Grpc}CallOptions(headers, deadline, cancellationToken));");
        _w.Close();

        _w.Line();
        _docs.WriteForMethod(_w, _service.Index, m.Index);
        WriteAttributes(m);
        _w.Open($"public virtual {returnType} {name}({requestParameter}{Grpc}CallOptions options)");
        _w.Line($"return {invocation};");
        _w.Close();
    }

    private void EmitBindService()
    {
        _w.Line("/// <summary>");
        _w.Line("/// Registers every method of the service with <paramref name=\"serviceBinder\"/>. With a null");
        _w.Line("/// <paramref name=\"serviceImpl\"/> the handlers are null, which lets callers enumerate the methods.");
        _w.Line("/// </summary>");
        _w.Open($"public static void BindService({Grpc}ServiceBinderBase serviceBinder, {_service.Name}Base? serviceImpl)");
        foreach (var m in _service.Methods)
        {
            var handler = m.MethodTypeName switch
            {
                "Unary" => "UnaryServerMethod",
                "ClientStreaming" => "ClientStreamingServerMethod",
                "ServerStreaming" => "ServerStreamingServerMethod",
                _ => "DuplexStreamingServerMethod",
            };
            _w.Line($"serviceBinder.AddMethod({m.DescriptorField}, serviceImpl == null ? null : new {Grpc}{handler}<{m.RequestType}, {m.ResponseType}>(serviceImpl.{m.Name}));");
        }
        _w.Close();
    }

    private void WriteAttributes(RpcMethod m)
    {
        if (m.Deprecated) _w.Line("[global::System.Obsolete]");
    }

    private static string MarshallerField(string csharpType) =>
        "__Marshaller_" + csharpType.Replace("global::", "").Replace('.', '_');
}
