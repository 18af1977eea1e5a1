#!/usr/bin/env python3
"""Writes N spam/fraud report lines as people send them to 5656, for bench/spam.sh: half fraud
from 200 campaigns (each a template with changing names, amounts, links and a pool of sending
numbers that grows), a quarter advertising, calls, some legitimate messages reported by mistake
and 2% lines that are not reports. Deterministic (seeded)."""
import random, sys

n = int(sys.argv[1]); out = sys.argv[2]
r = random.Random(5656)
names = ["Nguyen Van Hung", "Tran Thi Mai", "Le Van Nam", "Pham Thi Thu", "Hoang Van Duc", "Vu Thi Lan", "Dang Van Son", "Bui Thi Hoa", "Do Van Tuan", "Ngo Thi Hanh"]
brands = ["Vietcombank", "VietinBank", "BIDV", "Agribank", "MB Bank", "Techcombank", "VNeID", "Cong an", "Cuc Thue", "EVN", "BHXH", "Viettel", "VinaPhone", "MobiFone", "Shopee", "Lazada", "TikTok", "Zalo", "FE Credit", "Home Credit"]
tlds = ["xyz", "top", "online", "site", "club", "shop", "vip", "link"]
vocab = ("thong bao tai khoan quy khach bi khoa xac thuc ngay hom nay truoc gio nhan thuong tri an chuong trinh "
         "cap nhat thong tin dinh danh dien tu ho so hoan thue thu nhap ca nhan tien dien tinh sai gia lien ket "
         "ngan hang the tin dung nang han muc vay von uu dai lai suat thap giai ngan nhanh khong the chap viec lam "
         "online cong tac vien luong cao moi ngay khong can kinh nghiem dau tu sinh loi bao hiem xa hoi dong bo "
         "so dien thoai sim bi khoa doi sim 4G mien phi qua tang phieu mua hang giam gia don hang giao that bai "
         "buu pham tam giu phi van chuyen cong an trieu tap dieu tra rua tien chuyen tien tai khoan tam giu").split()
campaigns = []
for i in range(200):
    words = r.sample(vocab, 16)
    text = "[{b}] " + " ".join(words[:8]) + " {n} " + " ".join(words[8:]) + " tai {u} phi {a}0.000d"
    b = brands[i % len(brands)]
    urls = [f"{b.lower().replace(' ', '')}-{w}{i}.{r.choice(tlds)}" for w in ("xacthuc", "hotro", "capnhat")]
    pool = [f"0{r.choice(['32','33','35','38','39','70','76','79','81','83','85','56','58','86','96','97','98'])}{r.randrange(10**7):07d}" for _ in range(30)]
    campaigns.append((b, text, urls, pool))
ads = ["QC: Du an can ho cao cap ven song chi tu {a}0 trieu, chiet khau 12%. Tu choi QC soan TC gui 789",
       "Vay tien nhanh khong the chap, giai ngan 30 phut, lai suat 0% thang dau. Goi 0867{a}55",
       "Khuyen mai: tang 50% the nap hom nay! Dang ky goi data chi {a}k/thang"]
ad_senders = [f"0{r.choice(['90','93','96','97','98'])}{r.randrange(10**7):07d}" for _ in range(2000)] + ["BDS-LAICHAU", "VayNhanh247", "SpaThuHa"]
calls = ["goi tu xung cong an yeu cau chuyen tien", "cuoc goi quang cao bat dong san", "mao danh nhan vien nha mang doi khoa sim"]
call_senders = [f"0{r.choice(['86','88','89','91','94'])}{r.randrange(10**7):07d}" for _ in range(5000)]
with open(out, "w") as f:
    for i in range(n):
        x = r.random()
        if x < 0.02:
            line = r.choice(["xin chao toi muon phan anh", "5656", "tin nhan rac lien tuc"])
        elif x < 0.52:
            b, fr, urls, pool = campaigns[r.randrange(len(campaigns))]
            if r.random() < 0.05:
                pool.append(f"0{r.choice(['32','38','70','83','56'])}{r.randrange(10**7):07d}")
            s = pool[-1 - r.randrange(min(len(pool), 30))]
            text = fr.format(b=b, n=r.choice(names), a=r.randrange(1, 99), u=r.choice(urls))
            line = r.choice(["S [{s}][{t}]", "s {s} {t}", "S ({s})({t})"]).format(s=s, t=text)
        elif x < 0.75:
            line = "S [{}][{}]".format(r.choice(ad_senders), r.choice(ads).format(a=r.randrange(1, 9)))
        elif x < 0.80:
            line = "S [Vietcombank][Ma OTP cua ban la {}. Khong chia se ma nay]".format(r.randrange(10**6))
        else:
            line = "V [{}][{}]".format(r.choice(call_senders), r.choice(calls))
        f.write(line + "\n")
