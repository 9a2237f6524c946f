#include "gpubox/local/runtime/rtnetlink.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gpubox::local {
namespace {

/// One netlink message: the header, a fixed body, then attributes, each 4-byte aligned.
class Message {
 public:
  template <typename Body>
  Message(uint16_t type, uint16_t flags, const Body& body) {
    nlmsghdr header{};
    header.nlmsg_type = type;
    header.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    header.nlmsg_seq = 1;
    Append(&header, sizeof header);
    Append(&body, sizeof body);
  }
  void Attribute(uint16_t type, const void* data, size_t size) {
    rtattr attribute{static_cast<unsigned short>(RTA_LENGTH(size)), type};
    Append(&attribute, sizeof attribute);
    Append(data, size);
  }
  /// The bytes, with the header's length set.
  const std::string& bytes() {
    reinterpret_cast<nlmsghdr*>(bytes_.data())->nlmsg_len = static_cast<uint32_t>(bytes_.size());
    return bytes_;
  }

 private:
  void Append(const void* data, size_t size) {
    bytes_.append(static_cast<const char*>(data), size);
    bytes_.append(NLMSG_ALIGN(size) - size, '\0');
  }
  std::string bytes_;
};

/// Sends `message` to the kernel and reads its acknowledgement; `exists_ok`: EEXIST is fine.
Result<void> Request(Message& message, const std::string& what, bool exists_ok) {
  auto failed = [&](int error) {
    return Fail(ErrorCode::kEnvironment, what + " failed: " + std::strerror(error));
  };
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return failed(errno);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  const std::string& bytes = message.bytes();
  alignas(nlmsghdr) char reply[4096];
  ssize_t got = -1;
  if (sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof kernel) == static_cast<ssize_t>(bytes.size())) {
    do {
      got = recv(fd, reply, sizeof reply, 0);
    } while (got < 0 && errno == EINTR);
  }
  int error = errno;
  close(fd);
  if (got < 0) return failed(error);
  const auto* header = reinterpret_cast<const nlmsghdr*>(reply);
  if (got < static_cast<ssize_t>(NLMSG_LENGTH(sizeof(nlmsgerr))) ||
      header->nlmsg_type != NLMSG_ERROR) {
    return failed(EPROTO);
  }
  int answer = -static_cast<const nlmsgerr*>(NLMSG_DATA(header))->error;
  if (answer == 0 || (exists_ok && answer == EEXIST)) return {};
  return failed(answer);
}

Result<int> IndexOf(const std::string& name) {
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) {
    return Fail(ErrorCode::kEnvironment, "no interface " + name + ": " + std::strerror(errno));
  }
  return static_cast<int>(index);
}

}  // namespace

Result<void> SetLinkUp(const std::string& name) {
  ifinfomsg link{};
  link.ifi_family = AF_UNSPEC;
  link.ifi_index = GPUBOX_TRY(IndexOf(name));
  link.ifi_flags = IFF_UP;
  link.ifi_change = IFF_UP;
  Message message(RTM_NEWLINK, 0, link);
  return Request(message, "setting " + name + " up", false);
}

Result<void> AddIpv4Address(const std::string& name, const std::string& address,
                            int prefix_length) {
  in_addr parsed{};
  if (inet_pton(AF_INET, address.c_str(), &parsed) != 1 || prefix_length < 0 ||
      prefix_length > 32) {
    return Fail(ErrorCode::kUsage, "not an IPv4 address: " + address);
  }
  ifaddrmsg entry{};
  entry.ifa_family = AF_INET;
  entry.ifa_prefixlen = static_cast<unsigned char>(prefix_length);
  entry.ifa_scope = RT_SCOPE_UNIVERSE;
  entry.ifa_index = static_cast<unsigned>(GPUBOX_TRY(IndexOf(name)));
  Message message(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, entry);
  message.Attribute(IFA_LOCAL, &parsed, sizeof parsed);
  message.Attribute(IFA_ADDRESS, &parsed, sizeof parsed);
  return Request(message, "adding " + address + "/" + std::to_string(prefix_length) + " to " + name,
                 true);
}

}  // namespace gpubox::local
