using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;

namespace Mesh.Grpc.Reflection;

/// <summary>
/// Answers the requests of one ServerReflectionInfo stream (the v1 message shapes; v1alpha is
/// wire-identical and is transcoded by its adapter). Remembers which files this stream has already
/// received so dependencies are sent once, as the protocol allows; the file a request asks for is
/// always sent, so a repeated request still gets its answer.
/// </summary>
public sealed class ReflectionSession
{
    private readonly ReflectionIndex _index;
    private readonly HashSet<string> _sentFiles = new(StringComparer.Ordinal);

    public ReflectionSession(ReflectionIndex index) => _index = index ?? throw new ArgumentNullException(nameof(index));

    public ServerReflectionResponse Answer(ServerReflectionRequest request)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                foreach (var name in _index.ServiceNames) list.Service.Add(new ServiceResponse { Name = name });
                response.ListServicesResponse = list;
                break;

            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFileOrError(response, _index.FindFileByName(request.FileByFilename), $"file '{request.FileByFilename}' not found");
                break;

            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFileOrError(response, _index.FindFileContainingSymbol(request.FileContainingSymbol), $"symbol '{request.FileContainingSymbol}' not found");
                break;

            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                var extension = request.FileContainingExtension;
                SetFileOrError(response, _index.FindExtension(extension.ContainingType, extension.ExtensionNumber)?.File,
                    $"extension {extension.ExtensionNumber} of '{extension.ContainingType}' not found");
                break;

            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                var numbers = _index.FindExtensionNumbers(request.AllExtensionNumbersOfType);
                if (numbers is null)
                {
                    SetError(response, StatusCode.NotFound, $"type '{request.AllExtensionNumbersOfType}' not found");
                    break;
                }
                var answer = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType.TrimStart('.') };
                answer.ExtensionNumber.AddRange(numbers);
                response.AllExtensionNumbersResponse = answer;
                break;

            default:
                SetError(response, StatusCode.InvalidArgument, "the request sets none of the known message_request fields");
                break;
        }
        return response;
    }

    private void SetFileOrError(ServerReflectionResponse response, FileDescriptor? file, string notFound)
    {
        if (file is null)
        {
            SetError(response, StatusCode.NotFound, notFound);
            return;
        }
        var files = new FileDescriptorResponse();
        foreach (var descriptor in FileWithUnsentDependencies(file)) files.FileDescriptorProto.Add(descriptor.SerializedData);
        response.FileDescriptorResponse = files;
    }

    /// <summary>The file itself, then (breadth first) each transitive import this stream has not been sent yet.</summary>
    private IEnumerable<FileDescriptor> FileWithUnsentDependencies(FileDescriptor file)
    {
        _sentFiles.Add(file.Name);
        yield return file;
        var queue = new Queue<FileDescriptor>(file.Dependencies);
        while (queue.Count > 0)
        {
            var dependency = queue.Dequeue();
            if (!_sentFiles.Add(dependency.Name)) continue;
            yield return dependency;
            foreach (var next in dependency.Dependencies) queue.Enqueue(next);
        }
    }

    private static void SetError(ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };
}
