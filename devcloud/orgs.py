"""The hospitals the development cloud is seeded with: name, division (GB/T 2260) and the
organisation code from which their USCC is made. Shared by the cloud (the demo workstation may
read for them) and the seeding."""

from __future__ import annotations

from dataclasses import dataclass

from cloudclient.indexcode import make_uscc


@dataclass(frozen=True)
class Organisation:
    """A seeded hospital: name, division code and the organisation code its USCC is made from."""

    name: str
    division: str  # GB/T 2260
    org_body: str  # the 8 characters of the organisation code before its check character

    @property
    def uscc(self) -> str:
        return make_uscc(self.division, self.org_body)

    @property
    def province_code(self) -> str:
        return self.division[:2]


ORGS = {
    "xiamen": Organisation("厦门市第一医院", "350203", "48800001"),
    "fuzhou": Organisation("福州市立医院", "350102", "48800017"),
    "nanjing": Organisation("南京市人民医院", "320102", "46600028"),
    "suzhou": Organisation("苏州市中心医院", "320508", "46600125"),
}
